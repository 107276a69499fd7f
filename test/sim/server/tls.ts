// A throw-away PKI for the simulator's HTTPS: a CA and a serving certificate for 127.0.0.1 and
// localhost, ECDSA P-256 (fast to generate, accepted by kubectl's Go TLS stack and by Node).
import { webcrypto } from 'node:crypto';
import type { webcrypto as WebCrypto } from 'node:crypto';

export interface ServingCertificates {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

function pem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${base64.match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;
}

export async function generateServingCertificates(
  hosts: string[] = ['127.0.0.1', 'localhost'],
): Promise<ServingCertificates> {
  // Loaded on demand: plain-HTTP simulators need neither the library nor its reflect polyfill.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  const crypto = webcrypto;
  x509.cryptoProvider.set(crypto);
  const notBefore = new Date(Date.now() - 60 * 60 * 1000);
  const notAfter = new Date(Date.now() + 365 * 24 * 60 * 60 * 1000);
  const caKeys = (await crypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as WebCrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=sim-kubernetes-ca',
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const servingKeys = (await crypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as WebCrypto.CryptoKeyPair;
  const names = hosts.map((host) =>
    /^\d+\.\d+\.\d+\.\d+$/.test(host)
      ? { type: 'ip' as const, value: host }
      : { type: 'dns' as const, value: host },
  );
  const serving = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=kube-apiserver',
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingKey: caKeys.privateKey,
    publicKey: servingKeys.publicKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  const keyDer = await crypto.subtle.exportKey('pkcs8', servingKeys.privateKey);
  return {
    caPem: ca.toString('pem') + '\n',
    certPem: serving.toString('pem') + '\n',
    keyPem: pem('PRIVATE KEY', keyDer),
  };
}
