// Who is signed in. The console reads the token's claims only to choose what to show; the API
// checks the token on every request, so a tampered claim shows a menu and is refused everything.

export interface Session { token: string; customerId: string; role: 'customer' | 'admin'; expiresAt: number }

export function sessionFromToken(token: string): Session | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
    const claims = JSON.parse(json) as { sub?: unknown; role?: unknown; exp?: unknown };
    if (typeof claims.sub !== 'string' || (claims.role !== 'customer' && claims.role !== 'admin') || typeof claims.exp !== 'number') return null;
    return { token, customerId: claims.sub, role: claims.role, expiresAt: claims.exp * 1000 };
  } catch {
    return null;
  }
}

export const isExpired = (session: Session, now: number): boolean => now >= session.expiresAt;
