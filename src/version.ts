// Kept in one place so the SEA bundle and the npm install report the same version.
export const VERSION = '0.1.0';
