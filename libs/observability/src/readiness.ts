/** A named readiness check; resolves with details when ready, rejects (with the reason) when not. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<Record<string, unknown>>;
}

/** Checks the app registers at boot; the health controller runs them on every readiness probe. */
export class Readiness {
  private readonly checks: ReadinessCheck[] = [];

  register(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  get all(): readonly ReadinessCheck[] {
    return this.checks;
  }
}
