/**
 * Server side of an island: its markup inside a plain marker element that
 * carries the name and the JSON props (an attribute, not an inline script, so
 * a strict CSP holds). islands/boot.ts hydrates it in the browser.
 */
import { h } from "preact";
import { type IslandName, ISLANDS } from "../islands/registry.ts";

type PropsOf<N extends IslandName> = Parameters<typeof ISLANDS[N]>[0];

export function Island<N extends IslandName>({ name, props }: { name: N; props: PropsOf<N> }) {
  // deno-lint-ignore no-explicit-any
  const component = ISLANDS[name] as any;
  return (
    <div data-island={name} data-props={JSON.stringify(props)}>
      {h(component, props)}
    </div>
  );
}
