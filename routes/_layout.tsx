/** Page frame: skip link, navigation, search box, sign-in state. */
import type { ComponentChildren } from "preact";
import type { PageContext } from "../console/page.ts";

const NAV = [
  ["/", "Overview"],
  ["/explorer", "Explorer"],
  ["/validators", "Validators & peers"],
  ["/grid", "Grid"],
  ["/market", "Market"],
  ["/authorities", "Authorities"],
  ["/governance", "Governance"],
] as const;

function isCurrent(path: string, href: string): boolean {
  return href === "/" ? path === "/" : path === href || path.startsWith(`${href}/`);
}

export default function Layout(
  { ctx, title, children }: { ctx: PageContext; title: string; children: ComponentChildren },
) {
  const path = ctx.url.pathname;
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <a class="brand" href="/">GridTokenX</a>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([href, label]) => (
              <li key={href}>
                <a href={href} aria-current={isCurrent(path, href) ? "page" : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <form class="search" method="get" action="/explorer/search" role="search">
          <label for="search-q" class="visually-hidden">
            Search by height, hash, transaction id or address
          </label>
          <input
            id="search-q"
            name="q"
            type="search"
            placeholder="Height, hash, tx id or address"
            autocomplete="off"
            maxLength={100}
          />
          <button type="submit">Search</button>
        </form>
        <div class="who">
          {ctx.session
            ? (
              <form method="post" action="/signout">
                <span id="signed-in-as">
                  Signed in as {ctx.session.actor.kind} {ctx.session.actor.name}
                </span>{" "}
                <input type="hidden" name="csrf" value={ctx.csrfToken} />
                <button type="submit">Sign out</button>
              </form>
            )
            : <a href="/signin" id="signin-link">Sign in</a>}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <h1>{title}</h1>
        {ctx.notice ? <p class="notice" role="status">{ctx.notice}</p> : null}
        {children}
      </main>
      <footer>
        Node {ctx.node.config.node.node_id} · network {ctx.node.config.network.network_name}
      </footer>
    </>
  );
}
