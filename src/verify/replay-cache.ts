/**
 * The DPoP proof ids (`jti`) seen within the proof window, so that a proof is accepted once
 * (RFC 9449 §11.1). Bounded: past `capacity` ids the oldest is forgotten, so memory never grows
 * beyond it; a proof older than the oldest id still remembered could then be replayed until its
 * window ends. One cache per verifier, in this process only.
 */
export type ReplayCache = {
  /** Remembers `id` until `expiresAt` (ms since the epoch); false when it was already seen. */
  remember(id: string, expiresAt: number): boolean;
  /** How many ids are remembered now. */
  readonly size: number;
};

export function createReplayCache(capacity: number): ReplayCache {
  // Insertion order is close to expiry order: every id lives for the same window after its iat.
  const seen = new Map<string, number>();
  return {
    remember(id, expiresAt) {
      const now = Date.now();
      for (const [key, expiry] of seen) {
        if (expiry > now) break;
        seen.delete(key);
      }
      if ((seen.get(id) ?? 0) > now) return false;
      if (seen.size >= capacity) seen.delete(seen.keys().next().value as string);
      seen.set(id, expiresAt);
      return true;
    },
    get size() {
      return seen.size;
    },
  };
}
