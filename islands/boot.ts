/**
 * Browser entry of the islands bundle (`deno task bundle`): hydrates every
 * `[data-island]` element with the props in its `data-props` attribute.
 * Loaded as an external module script, so it runs under `script-src 'self'`.
 */
import { h, hydrate } from "preact";
import { ISLANDS } from "./registry.ts";

function boot(): void {
  for (const el of document.querySelectorAll<HTMLElement>("[data-island]")) {
    const name = el.dataset.island as keyof typeof ISLANDS;
    const component = ISLANDS[name];
    if (!component) {
      console.warn(`Unknown island ${name}`);
      continue;
    }
    const props = JSON.parse(el.dataset.props ?? "{}");
    // deno-lint-ignore no-explicit-any
    hydrate(h(component as any, props), el);
  }
}

boot();
