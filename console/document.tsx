/** The HTML document around every page: head, assets, layout. */
import { renderToString } from "preact-render-to-string";
import Layout from "../routes/_layout.tsx";
import type { AssetUrls } from "./assets.ts";
import type { PageContext, RenderedPage } from "./page.ts";

/** The full HTML of a page. */
export function renderDocument(page: RenderedPage, ctx: PageContext, assets: AssetUrls): string {
  const body = renderToString(
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${page.title} · GridTokenX console`}</title>
        <link rel="stylesheet" href={assets.stylesheet} />
        <link rel="icon" href={assets.icon} type="image/svg+xml" />
        {assets.script ? <script type="module" src={assets.script} /> : null}
      </head>
      <body>
        <Layout ctx={ctx} title={page.title}>{page.body}</Layout>
      </body>
    </html>,
  );
  return `<!DOCTYPE html>${body}`;
}
