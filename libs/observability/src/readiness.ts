/**
 * A named health check. `check` reads state the service already holds and returns details when
 * healthy, or throws the reason when not. It is synchronous on purpose: a probe must answer at
 * once even while Kafka hangs, so anything that needs a round trip runs in the background and the
 * check reads its last result (see BrokerWatch in @streamcell/kafka).
 */
export interface ReadinessCheck {
  readonly name: string;
  /**
   * Whether a failure takes the instance out of service: `/health/ready` answers 503 only for
   * required checks; the others are reported in the body and fail `/health`. Default true.
   */
  readonly required?: boolean;
  check(): Record<string, unknown>;
}

export interface CheckResult {
  readonly status: 'up' | 'down';
  readonly required: boolean;
  readonly [detail: string]: unknown;
}

/** Terminus's answer shape (`info` up, `error` down, `details` all), which clients already read. */
export interface HealthReport {
  readonly status: 'ok' | 'error';
  readonly info: Record<string, CheckResult>;
  readonly error: Record<string, CheckResult>;
  readonly details: Record<string, CheckResult>;
}

/** Checks the app registers at boot; the health controller evaluates them on every probe. */
export class Readiness {
  private readonly checks: ReadinessCheck[] = [];

  register(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  get all(): readonly ReadinessCheck[] {
    return this.checks;
  }

  /**
   * Runs every check. `ready`: the report is an error only if a required check is down (should
   * this instance get traffic?); `all`: if any check is down (is everything working?).
   */
  evaluate(scope: 'ready' | 'all'): HealthReport {
    const info: Record<string, CheckResult> = {};
    const error: Record<string, CheckResult> = {};
    const details: Record<string, CheckResult> = {};
    let failed = false;
    for (const c of this.checks) {
      const required = c.required ?? true;
      let result: CheckResult;
      try {
        result = { ...c.check(), status: 'up', required };
        info[c.name] = result;
      } catch (e) {
        result = { status: 'down', required, message: e instanceof Error ? e.message : String(e) };
        error[c.name] = result;
        if (required || scope === 'all') failed = true;
      }
      details[c.name] = result;
    }
    return { status: failed ? 'error' : 'ok', info, error, details };
  }
}
