/**
 * The console's browser scenario, run as a child process by
 * console_e2e_test.ts: playwright-core needs --allow-all (it reads
 * /proc/self/exe), which the project's test task does not grant.
 * A real node in this process, Debian's Chromium: live height over SSE,
 * every page without console errors or CSP violations, explorer search,
 * sign-in (wrong token refused, right token and authority key accepted),
 * keyboard reachability, screenshots in tests/artifacts/.
 * Run alone: deno run -A tests/console_scenario.ts
 */
import assert from "node:assert/strict";
import { addressFromPublicKey } from "../node/crypto/address.ts";
import { fromHex, toHex } from "../node/crypto/hex.ts";
import { authorityActionSigner } from "./helpers/authority_actions.ts";
import {
  signWith,
  startTestNode,
  TEST_PASSPHRASE,
  testWallet,
  waitFor,
} from "./helpers/test_node.ts";
import { authorityKeystorePath, loadWallet } from "../node/runtime/keys.ts";
import { toSignedTxJson, type Tx } from "../node/chain/transaction.ts";
import { formatThb } from "../console/ui/format.ts";
import {
  hasChromium,
  listActions,
  openBrowser,
  screenshot,
  tabThrough,
} from "./console_browser.ts";

const OPERATOR_TOKEN = `test-operator-token-${crypto.randomUUID()}`;
const alice = testWallet("console-alice");
const bob = testWallet("console-bob");
const mea = testWallet("console-mea");

const t = {
  async step(name: string, fn: () => Promise<void>): Promise<void> {
    const started = performance.now();
    await fn();
    console.log(`ok: ${name} (${Math.round(performance.now() - started)} ms)`);
  },
};

async function runScenario(): Promise<void> {
  {
    Deno.env.set("GRIDTOKENX_OPERATOR_TOKEN", OPERATOR_TOKEN);
    const node = await startTestNode({
      blockTimeMs: 400,
      accounts: [{ address: alice.address, balanceSatang: 10_000_000 }],
      extraToml: `
[[genesis.authorities]]
name = "TESTAUTH"
public_key = "${mea.publicKeyHex}"
service_area = ["BKK"]
`,
    });
    const browser = await openBrowser();
    const { page, problems } = browser;
    const base = node.baseUrl;
    try {
      const tx = signWith(alice, {
        kind: "transfer",
        nonce: 0,
        feeSatang: 1_000,
        expiresAtMs: Date.now() + 60_000,
        payload: { to: bob.address, amountSatang: 5_000, amountWh: 0 },
      });
      await node.running.node.admit(tx);
      const committed = await waitFor(
        async () => {
          const s = await node.running.node.getTransactionStatus(tx.id);
          return s?.status === "committed" ? s : null;
        },
        10_000,
        "transfer committed",
      );
      if (!committed) throw new Error("unreachable");

      await t.step("overview height rises without reload (SSE)", async () => {
        const res = await page.goto(`${base}/`);
        assert.equal(res?.status(), 200);
        assert.match(res?.headers()["content-security-policy"] ?? "", /script-src 'self'/);
        const first = Number((await page.textContent("#stat-height"))!.replace(/,/g, ""));
        let navigations = 0;
        page.on("framenavigated", () => navigations++);
        await page.waitForFunction(
          (h) =>
            Number(document.querySelector("#stat-height")!.textContent!.replace(/,/g, "")) >= h + 2,
          first,
          { timeout: 10_000 },
        );
        assert.equal(navigations, 0, "the page must not reload");
        const rows = await page.locator("#recent-blocks tbody tr").count();
        assert.ok(rows > 0);
        await screenshot(page, "overview");
      });

      await t.step("every page loads without console errors or CSP violations", async () => {
        const pages: [string, string][] = [
          ["explorer", "/explorer"],
          ["block", `/explorer/block/${committed.height}`],
          ["tx", `/explorer/tx/${tx.id}`],
          ["account", `/explorer/account/${alice.address}`],
          ["validators", "/validators"],
          ["grid", "/grid"],
          ["market", "/market"],
          ["authorities", "/authorities"],
          ["governance", "/governance"],
          ["signin", "/signin"],
        ];
        for (const [name, path] of pages) {
          const res = await page.goto(`${base}${path}`);
          assert.equal(res?.status(), 200, `${path} status`);
          await page.waitForLoadState("load");
          await screenshot(page, name);
        }
        assert.match(await page.content(), /GRIDTOKENX_CONSOLE_LOGIN_V1/);
        assert.deepEqual(problems, []);
      });

      await t.step("explorer search finds heights, hashes, tx ids and addresses", async () => {
        const search = async (q: string) => {
          await page.goto(`${base}/explorer`);
          await page.fill("#search-q", q);
          await Promise.all([page.waitForNavigation(), page.press("#search-q", "Enter")]);
          return new URL(page.url()).pathname;
        };
        assert.equal(await search(String(committed.height)), `/explorer/block/${committed.height}`);
        assert.equal(await search(committed.blockHash), `/explorer/block/${committed.height}`);
        assert.equal(await search(tx.id), `/explorer/tx/${tx.id}`);
        assert.equal(await page.textContent("#tx-status"), "committed");
        assert.equal(await search(bob.address), `/explorer/account/${bob.address}`);
        assert.match((await page.textContent("#account-balance"))!, /^50\.00 THB$/);
        assert.deepEqual(problems, []);
        await search("no-such-thing");
        assert.ok(await page.isVisible("#search-not-found"));
        // The not-found page answers 404, which Chromium logs as a failed resource.
        assert.ok((problems as string[]).splice(0).every((p) => p.includes("404")));
      });

      await t.step(
        "the grid page colours a substation congested after trades fill it (live)",
        async () => {
          const gridNode = node.running.node;
          const meaKey = await loadWallet(
            authorityKeystorePath(node.dataDir, "MEA"),
            TEST_PASSPHRASE,
          );
          const commit = async (txs: Tx[]) => {
            for (const x of txs) await gridNode.admit(x);
            await waitFor(
              async () => {
                for (const x of txs) {
                  const s = await gridNode.getTransactionStatus(x.id);
                  if (s?.status === "rejected") throw new Error(JSON.stringify(s));
                  if (s?.status !== "committed") return false;
                }
                return true;
              },
              15_000,
              "commit",
            );
          };
          const expiresAtMs = Date.now() + 120_000;
          let meaNonce = gridNode.getAccount(meaKey.address).nonce;
          const act = authorityActionSigner(meaKey, {
            expiresAtMs,
            nextNonce: () => meaNonce++,
          });
          // BKK-01-SUB002: 40,000 kW = 10,000 kWh per 15-minute interval; 9,600 kWh is 96 %.
          await commit([
            act("register_participant", { address: alice.address, location: "BKK-01-SUB002" }),
            act("register_participant", { address: bob.address, location: "BKK-01-SUB002" }),
            act("register_meter", {
              meterId: "CONSOLE-M1",
              owner: alice.address,
              location: "BKK-01-SUB002",
              source: "solar",
            }),
            act("deposit", { to: bob.address, amountSatang: 3_000_000 }),
          ]);
          await commit([signWith(meaKey, {
            kind: "meter_reading",
            nonce: meaNonce++,
            feeSatang: 1,
            expiresAtMs,
            payload: {
              meterId: "CONSOLE-M1",
              totalWh: 9_600_000,
              readAtMs: Date.now() - 1_000,
              location: "BKK-01-SUB002",
            },
          })]);
          const order = {
            amountWh: 9_600_000,
            priceSatangPerKwh: 100,
            location: "BKK-01-SUB002",
            orderExpiresAtMs: Date.now() + 3_600_000,
          };
          await commit([
            signWith(alice, {
              kind: "energy_order",
              nonce: 1,
              feeSatang: 1,
              expiresAtMs,
              payload: { side: "sell", source: "solar", ...order },
            }),
          ]);
          // A second tab on the market page sees the trade arrive live too.
          const market = await browser.context.newPage();
          market.on("console", (m) => {
            if (m.type() === "error") problems.push(`market console error: ${m.text()}`);
          });
          market.on("pageerror", (e) => problems.push(`market pageerror: ${e.message}`));
          await market.goto(`${base}/market`);
          assert.ok(await market.isVisible("#no-trades"));
          let marketNavigations = 0;
          market.on("framenavigated", () => marketNavigations++);
          await page.goto(`${base}/grid`);
          const cell = '[data-substation="BKK-01-SUB002"]';
          assert.equal(await page.getAttribute(cell, "data-congestion"), "normal");
          await commit([
            signWith(bob, {
              kind: "energy_order",
              nonce: 0,
              feeSatang: 1,
              expiresAtMs,
              payload: { side: "buy", source: null, ...order },
            }),
          ]);
          // The open page turns the substation red from the SSE "grid" event, without a reload.
          await page.waitForFunction(
            (sel) => document.querySelector(sel)?.getAttribute("data-congestion") === "congested",
            cell,
            { timeout: 10_000 },
          );
          await screenshot(page, "grid-congested");
          await market.waitForSelector("#trades tbody tr[data-trade-id]", { timeout: 10_000 });
          assert.match((await market.textContent("#trades tbody tr"))!, /9,600\.000 kWh/);
          assert.equal(marketNavigations, 0, "the market page must not reload");
          await screenshot(market, "market-live-trade");
          await market.close();
          await page.reload();
          assert.equal(await page.getAttribute(cell, "data-congestion"), "congested");
          assert.deepEqual(problems, []);
        },
      );

      await t.step("a wrong operator token is refused", async () => {
        await page.goto(`${base}/signin`);
        await page.fill("#token", "wrong-token");
        const [res] = await Promise.all([
          page.waitForNavigation(),
          page.click("#token-form button[type=submit]"),
        ]);
        assert.equal(res?.status(), 401);
        assert.ok(await page.isVisible("#signin-error"));
        assert.equal(await page.locator("#signed-in-as").count(), 0);
        const html = await page.content();
        assert.ok(!html.includes("wrong-token") && !html.includes(OPERATOR_TOKEN));
        const cookies = await browser.context.cookies();
        assert.ok(!cookies.some((c) => c.name === "gtx_session"));
        assert.ok(
          (problems as string[]).splice(0).every((p) => p.includes("401")),
          "only the 401 is logged",
        );
      });

      await t.step("a form post without the CSRF token is refused", async () => {
        const res = await fetch(`${base}/signin`, {
          method: "POST",
          body: new URLSearchParams({ method: "token", token: OPERATOR_TOKEN }),
          redirect: "manual",
        });
        assert.equal(res.status, 403);
        await res.body?.cancel();
      });

      await t.step("the operator token signs in; the emergency hook answers", async () => {
        await page.goto(`${base}/signin?next=/authorities`);
        await page.fill("#token", OPERATOR_TOKEN);
        await Promise.all([
          page.waitForNavigation(),
          page.click("#token-form button[type=submit]"),
        ]);
        assert.equal(new URL(page.url()).pathname, "/authorities");
        assert.match((await page.textContent("#signed-in-as"))!, /operator/);
        assert.ok(!(await page.content()).includes(OPERATOR_TOKEN));
        const session = (await browser.context.cookies()).find((c) => c.name === "gtx_session");
        assert.ok(session && session.httpOnly && session.sameSite === "Strict");
        await screenshot(page, "authorities-signed-in");
        await page.fill("#em-area", "BKK-01");
        await page.selectOption("#em-level", "alert");
        await page.fill("#em-reason", "Console test");
        await page.check("#em-confirm");
        const [res] = await Promise.all([
          page.waitForNavigation(),
          page.click("#emergency-form button[type=submit]"),
        ]);
        // The node holds the dev authority keys: the operator's declaration is signed by EGAT
        // and the browser lands on the grid page.
        assert.equal(res?.status(), 200);
        assert.equal(new URL(page.url()).pathname, "/grid");
        await waitFor(
          async () => {
            const status = await (await fetch(`${base}/api/v1/grid/status`)).json();
            return status.emergencies.some((e: { scope: string }) => e.scope === "BKK-01");
          },
          10_000,
          "emergency in the API",
        );
        await page.reload();
        assert.match((await page.textContent("#emergencies"))!, /BKK-01/);
        await screenshot(page, "emergency-result");
        assert.deepEqual(problems, []);
      });

      await t.step("keyboard Tab reaches every action", async () => {
        for (const path of ["/", "/authorities", "/explorer"]) {
          await page.goto(`${base}${path}`);
          const wanted = await listActions(page);
          const reached = await tabThrough(page, wanted.length + 10);
          // The overview's block table grows live while tabbing: require the rest exactly.
          const live = (w: string) => path === "/" && /\|\/explorer\/(block|account)\//.test(w);
          const missing = wanted.filter((w) => !live(w) && !reached.includes(w));
          if (path === "/") assert.ok(reached.some(live), "block links reachable");
          assert.deepEqual(missing, [], `unreachable on ${path}`);
        }
        await page.click("#signed-in-as + input + button, .who button");
        await page.waitForURL(/signedout=1/);
        await page.goto(`${base}/signin`);
        const wanted = await listActions(page);
        const reached = await tabThrough(page, wanted.length + 10);
        assert.deepEqual(wanted.filter((w) => !reached.includes(w)), []);
      });

      await t.step("an authority signs in with its key", async () => {
        await page.goto(`${base}/signin`);
        const message = (await page.textContent("#challenge-message"))!;
        const signature = mea.sign(new TextEncoder().encode(message));
        await page.fill("#public-key", mea.publicKeyHex);
        await page.fill("#signature", toHex(signature));
        await Promise.all([page.waitForNavigation(), page.click("#key-form button[type=submit]")]);
        assert.match((await page.textContent("#signed-in-as"))!, /authority TESTAUTH/);
        assert.equal(addressFromPublicKey(fromHex(mea.publicKeyHex)), mea.address);
        assert.deepEqual(problems, []);
      });

      await t.step(
        "the signed-in authority declares an emergency; grid page and API show it",
        async () => {
          // MEA signs in with its key; this node holds MEA's keystore (an authority's node),
          // so the console signs the declaration with it.
          const meaKey = await loadWallet(
            authorityKeystorePath(node.dataDir, "MEA"),
            TEST_PASSPHRASE,
          );
          await page.goto(`${base}/signin`);
          const message = (await page.textContent("#challenge-message"))!;
          await page.fill("#public-key", meaKey.publicKeyHex);
          await page.fill("#signature", toHex(meaKey.sign(new TextEncoder().encode(message))));
          await Promise.all([
            page.waitForNavigation(),
            page.click("#key-form button[type=submit]"),
          ]);
          assert.match((await page.textContent("#signed-in-as"))!, /authority MEA/);
          await page.goto(`${base}/authorities`);
          await page.fill("#em-area", "BKK-02");
          await page.selectOption("#em-level", "emergency");
          await page.fill("#em-reason", "Transformer fire");
          await page.check("#em-confirm");
          const [res] = await Promise.all([
            page.waitForNavigation(),
            page.click("#emergency-form button[type=submit]"),
          ]);
          assert.equal(res?.status(), 200);
          await waitFor(
            async () => {
              const status = await (await fetch(`${base}/api/v1/grid/status`)).json();
              return status.emergencies.some((e: { scope: string; declaredBy: string[] }) =>
                e.scope === "BKK-02" && e.declaredBy.includes("MEA")
              );
            },
            10_000,
            "authority emergency in the API",
          );
          await page.goto(`${base}/grid`);
          assert.match((await page.textContent('#emergencies [data-area="BKK-02"]'))!, /MEA/);
          await screenshot(page, "grid-authority-emergency");
          assert.deepEqual(problems, []);
        },
      );

      await t.step("governance tallies update without reload (SSE)", async () => {
        const validator = await loadWallet(`${node.dataDir}/keys/validator.json`, TEST_PASSPHRASE);
        const gridNode = node.running.node;
        const submit = async (kind: string, payload: unknown): Promise<Tx> => {
          const x = signWith(validator, {
            kind,
            nonce: gridNode.mempool.nextNonce(
              validator.address,
              gridNode.getAccount(validator.address).nonce,
            ),
            feeSatang: 1,
            expiresAtMs: Date.now() + 60_000,
            payload,
          } as never);
          const res = await fetch(`${base}/api/v1/transactions`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(toSignedTxJson(x)),
          });
          assert.equal(res.status, 202, await res.text());
          return x;
        };
        await page.goto(`${base}/governance`);
        await page.waitForLoadState("load");
        let navigations = 0;
        const onNav = () => navigations++;
        page.on("framenavigated", onNav);
        const proposalTx = await submit("governance_proposal", {
          proposalType: "text",
          title: "Console live tally",
          description: "Checks that the governance page updates over SSE",
          depositSatang: 100_000,
          changes: {},
        });
        const proposal = await waitFor(
          async () => {
            const r = await (await fetch(
              `${base}/api/v1/governance/proposals?tx_id=${proposalTx.id}`,
            )).json();
            return r.proposals[0] ?? null;
          },
          10_000,
          "proposal in the API",
        );
        const row = `#proposals tr[data-proposal-id="${proposal.id}"]`;
        // The new proposal appears from the SSE "proposal" event, with an empty tally.
        await page.waitForSelector(row, { timeout: 10_000 });
        assert.equal(
          await page.textContent(`${row} .proposal-tally`),
          "0.00 THB / 0.00 THB / 0.00 THB",
        );
        await submit("vote", { proposalId: proposal.id, choice: "yes" });
        const voted = await waitFor(
          async () => {
            const p = await (await fetch(`${base}/api/v1/governance/proposals/${proposal.id}`))
              .json();
            return p.tally.yes_satang > 0 ? p : null;
          },
          10_000,
          "vote counted in the API",
        );
        await page.waitForFunction(
          ({ sel, want }) => document.querySelector(sel)?.textContent === want,
          {
            sel: `${row} .proposal-tally`,
            want: `${formatThb(voted.tally.yes_satang)} / 0.00 THB / 0.00 THB`,
          },
          { timeout: 10_000 },
        );
        page.off("framenavigated", onNav);
        assert.equal(navigations, 0, "the page must not reload");
        await screenshot(page, "governance-live");
        await page.reload();
        assert.equal(
          await page.textContent(`${row} .proposal-tally`),
          `${formatThb(voted.tally.yes_satang)} / 0.00 THB / 0.00 THB`,
        );
        assert.deepEqual(problems, []);
      });
    } finally {
      await browser.close();
      await node.stop();
      Deno.env.delete("GRIDTOKENX_OPERATOR_TOKEN");
    }
  }
}

if (import.meta.main) {
  if (!hasChromium()) {
    console.log("skip: /usr/bin/chromium is not installed");
    Deno.exit(0);
  }
  try {
    await runScenario();
    console.log("scenario passed");
    Deno.exit(0);
  } catch (e) {
    console.error(`scenario failed: ${(e as Error).stack ?? e}`);
    Deno.exit(1);
  }
}
