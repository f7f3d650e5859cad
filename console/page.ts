/**
 * How routes/ pages are defined (Fresh style: a loader and a component per
 * route file) and the context every page gets.
 */
import { type ComponentChild, h, type VNode } from "preact";
import type { GridNode } from "../node/runtime/grid_node.ts";
import type { Session } from "./auth.ts";
import type { ConsoleData } from "./data.ts";

/** What a page's loader and component see. */
export interface PageContext {
  node: GridNode;
  data: ConsoleData;
  url: URL;
  params: Record<string, string>;
  session: Session | null;
  /** CSRF token every form on the page must carry (field `csrf`). */
  csrfToken: string;
  /** Message shown above the page (e.g. an action's result). */
  notice: string | null;
}

/** A route file's definition. */
export interface PageRoute<D> {
  path: string;
  title(data: D): string;
  /** Loads the page's data, or returns a Response (redirect, ...) instead. */
  load(ctx: PageContext): Promise<D | Response>;
  Page(props: { data: D; ctx: PageContext }): VNode | null;
  /** HTTP status for the data (default 200), e.g. 404 for an unknown block. */
  status?(data: D): number;
}

/** A rendered page before the document shell is added. */
export interface RenderedPage {
  title: string;
  body: ComponentChild;
  status: number;
}

/** A page with its data type erased, as the router lists them. */
export interface ConsolePage {
  path: string;
  render(ctx: PageContext): Promise<RenderedPage | Response>;
}

/** Erases a route's data type for the router. */
export function definePage<D>(route: PageRoute<D>): ConsolePage {
  return {
    path: route.path,
    async render(ctx) {
      const data = await route.load(ctx);
      if (data instanceof Response) return data;
      return {
        title: route.title(data),
        body: h(route.Page, { data, ctx }),
        status: route.status?.(data) ?? 200,
      };
    },
  };
}
