import type { Metrics } from '@streamcell/observability';

/** Events after which an old error weighs half in the ratio gauge: about a minute at a few hundred events/s. */
const HALF_LIFE_EVENTS = 20_000;

/**
 * Served forecasts against last-value, as metrics. Each event's errors are relative to its
 * stream's own scale (the stream's running mean last-value error), so a stream around 1e6 and one
 * around 0.01 count the same. Counters of the summed relative errors let Prometheus compute the
 * ratio over any window (rate(model) / rate(last_value)); the gauge is the same ratio,
 * exponentially weighted in process, for a glance.
 */
export class ForecastErrorMeter {
  private readonly total;
  private readonly ratio;
  private model = 0;
  private naive = 0;
  private readonly decay = Math.pow(2, -1 / HALF_LIFE_EVENTS);

  constructor(m: Metrics) {
    this.total = m.counter(
      'streamcell_inference_forecast_error_total',
      'Sum over events of the absolute forecast error relative to the stream\'s scale, of the served forecast (forecast="model") and of last-value (forecast="last_value").',
      ['forecast'],
    );
    this.ratio = m.gauge(
      'streamcell_inference_forecast_error_ratio',
      'Served forecast error / baseline forecast error over recent events (exponentially weighted, each stream in its own scale); below 1 = better than the baseline.',
      ['baseline'],
      'average', // across worker threads
    );
    this.total.inc({ forecast: 'model' }, 0);
    this.total.inc({ forecast: 'last_value' }, 0);
  }

  observe(relativeError: number, relativeNaiveError: number): void {
    this.total.inc({ forecast: 'model' }, relativeError);
    this.total.inc({ forecast: 'last_value' }, relativeNaiveError);
    this.model = this.decay * this.model + relativeError;
    this.naive = this.decay * this.naive + relativeNaiveError;
    if (this.naive > 0) this.ratio.set({ baseline: 'last_value' }, this.model / this.naive);
  }
}
