import { DeliveryError } from './target';

/**
 * POSTs a JSON body and classifies the answer the way both targets need: 2xx accepted; no answer
 * (refused, reset, timed out), 408, 425, 429 and 5xx retriable; any other status refused for good
 * (a 400 from Alertmanager or a 401 from a webhook does not heal by waiting).
 */
export async function postJson(url: string, body: string, headers: Readonly<Record<string, string>>, timeoutMs: number, signal: AbortSignal): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
    const why = cause instanceof Error ? cause.message : String(cause);
    const timedOut = e instanceof Error && e.name === 'TimeoutError';
    throw new DeliveryError(timedOut ? `no answer within ${timeoutMs} ms` : `unreachable: ${why}`, true, { cause: e });
  }
  const text = await response.text().catch(() => '');
  if (response.ok) return;
  const retriable = response.status >= 500 || [408, 425, 429].includes(response.status);
  throw new DeliveryError(`HTTP ${response.status}${text === '' ? '' : `: ${text.slice(0, 300)}`}`, retriable);
}
