import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { INGEST_CONFIG, type IngestConfig } from './config';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * API-key authentication, enabled when INGEST_API_KEYS is non-empty. The key comes in `x-api-key`
 * or `Authorization: Bearer <key>`. Keys are compared as SHA-256 digests with a constant-time
 * comparison, so response timing says nothing about how much of a key matched.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: Buffer[];

  constructor(@Inject(INGEST_CONFIG) config: IngestConfig) {
    this.keys = config.apiKeys.map(digest);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.keys.length === 0) return true;
    const headers = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers;
    const presented = keyFrom(headers);
    if (presented !== undefined) {
      const d = digest(presented);
      if (this.keys.some((k) => timingSafeEqual(k, d))) return true;
    }
    throw new UnauthorizedException('a valid API key is required (x-api-key header or Authorization: Bearer)');
  }
}

function keyFrom(headers: Record<string, string | string[] | undefined>): string | undefined {
  const x = headers['x-api-key'];
  if (typeof x === 'string' && x.length > 0) return x;
  const auth = headers.authorization;
  // The scheme name is case-insensitive (RFC 9110 §11.1): `bearer` and `BEARER` are Bearer.
  if (typeof auth === 'string' && /^bearer /i.test(auth)) return auth.slice(7).trim();
  return undefined;
}
