// An error of the release scripts that says what went wrong (`message`) and what to do about it
// (`hint`); the scripts print it as one line, `error: <message>; <hint>`. Node builtins only:
// the publishing scripts that use it run without the project's packages.
export class HintedError extends Error {
  readonly hint: string;
  constructor(message: string, hint: string) {
    super(message);
    this.hint = hint;
  }
}
