import { Input } from '../input';
import { SenderEndpoints } from '../sender-endpoints';

/**
 * Where the API's routes are reached: the host callers use (the stage's execute-api host, or the custom domain) and
 * the path before the API's resource paths (`/<stage>` on execute-api, `/<basePath>` or nothing on a domain).
 */
export interface ApiLocation {
  /** The host, without a scheme. */
  readonly host: string;
  /** The path before the resource paths: '' or `/<segment>`. */
  readonly prefix: string;
}

/** A route's path on the API's host: the prefix, then the resource path parts (`/` for the root). */
export function pathOf(at: ApiLocation, parts: string[]): string {
  return `${at.prefix}/${parts.join('/')}`;
}

/** A route's whole URL. */
export function urlOf(at: ApiLocation, parts: string[]): string {
  return `${originOf(at)}${pathOf(at, parts)}`;
}

/** The API's origin: `https://` and the host. */
export function originOf(at: ApiLocation): string {
  return `https://${at.host}`;
}

/** A folder's URL without a trailing slash: senders append their own paths (`/com.snowplowanalytics.snowplow/tp2`). */
export function folderUrl(at: ApiLocation, parts: string[]): string {
  return `${originOf(at)}${folderPath(at, parts)}`;
}

/** A folder's path on the API's host, without a trailing slash: the prefix, then the parts. */
export function folderPath(at: ApiLocation, parts: string[]): string {
  return `${at.prefix}${parts.map((p) => `/${p}`).join('')}`;
}

/** The folder below which a sender appends `/v1/...`, when the routes' folder ends with `v1` (else undefined). */
export function v1BaseUrl(at: ApiLocation, folderParts: string[]): string | undefined {
  if (folderParts[folderParts.length - 1] !== 'v1') return undefined;
  return folderUrl(at, folderParts.slice(0, -1));
}

/** The construct's `endpoints`: its own routes' URLs and each input's settings (none where the API's URL is unknown). */
export function senderEndpoints(at: ApiLocation | undefined, resourceParts: string[], inputs: Input[], own: SenderEndpoints): SenderEndpoints {
  if (!at) return {};
  return Object.assign({}, own, ...inputs.map((i) => i._endpoints(at, resourceParts)));
}
