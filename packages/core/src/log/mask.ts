/** `+15550001234` → `+1555***1234`: enough to tell calls apart in logs, not enough to dial. */
export function maskPhoneNumber(phone: string | undefined): string {
  if (!phone) return '';
  if (phone.length <= 6) return '***';
  return `${phone.slice(0, 5)}***${phone.slice(-4)}`;
}

/** `sk-abcdef123456` → `sk-a…3456`; for the rare place a key must be referred to. */
export function maskSecret(secret: string | undefined): string {
  if (!secret) return '';
  if (secret.length <= 8) return '***';
  return `${secret.slice(0, 4)}…${secret.slice(-4)}`;
}
