import { TrieRouter } from "hono/router/trie-router";

/** One attached path with whatever the listener keeps for it. */
export interface Route<T> {
  path: string;
  value: T;
}

/** How specific each segment of a path pattern is; higher wins. */
const STATIC = 3;
const PARAMETER = 2;
const WILDCARD = 1;

function specificity(path: string): number[] {
  return path.split("/").filter((segment) => segment !== "").map((segment) =>
    segment === "*" ? WILDCARD : segment.startsWith(":") ? PARAMETER : STATIC
  );
}

/** Positive when pattern `a` is more specific than `b`. */
function compareSpecificity(a: number[], b: number[]): number {
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  // A trailing wildcard also matches nothing, so the pattern without it is more exact.
  if (a.length === b.length) return 0;
  const longer = a.length > b.length ? a : b;
  const sign = a.length > b.length ? 1 : -1;
  return longer[shared] === WILDCARD ? -sign : sign;
}

/**
 * Attached paths, matched with Hono's router syntax (`/chat/:room`, `/files/*`). When
 * several patterns match a request, the most specific one wins: segment by segment, a
 * literal beats a parameter, which beats a wildcard.
 */
export class RouteTable<T> {
  readonly #routes = new Map<string, Route<T> & { rank: number[] }>();
  #router: TrieRouter<Route<T> & { rank: number[] }> | undefined;

  has(path: string): boolean {
    return this.#routes.has(path);
  }

  get size(): number {
    return this.#routes.size;
  }

  add(path: string, value: T): void {
    this.#routes.set(path, { path, value, rank: specificity(path) });
    this.#router = undefined;
  }

  delete(path: string): boolean {
    this.#router = undefined;
    return this.#routes.delete(path);
  }

  /** The most specific route for `pathname` and its parameters, or undefined. */
  match(pathname: string): { route: Route<T>; params: Record<string, string> } | undefined {
    if (this.#routes.size === 0) return undefined;
    let router = this.#router;
    if (router === undefined) {
      router = new TrieRouter();
      for (const route of this.#routes.values()) router.add("GET", route.path, route);
      this.#router = router;
    }
    const [matches] = router.match("GET", pathname) as [
      [Route<T> & { rank: number[] }, Record<string, string>][],
    ];
    let best: [Route<T> & { rank: number[] }, Record<string, string>] | undefined;
    for (const candidate of matches) {
      if (best === undefined || compareSpecificity(candidate[0].rank, best[0].rank) > 0) {
        best = candidate;
      }
    }
    if (best === undefined) return undefined;
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(best[1])) {
      params[name] = safeDecode(value);
    }
    return { route: best[0], params };
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Checks that `path` is a pattern the router accepts. */
export function validatePath(path: string): void {
  if (typeof path !== "string" || !path.startsWith("/")) {
    throw new TypeError(`a service path must start with "/", got ${JSON.stringify(path)}`);
  }
  if (/[\s?#]/.test(path)) {
    throw new TypeError(`a service path may not hold spaces, "?" or "#": ${path}`);
  }
}
