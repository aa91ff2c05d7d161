//! What the app brings with it so that a server knowing nothing of it can host it (a static
//! Hugging Face Space, GitHub Pages, a bucket, `python3 -m http.server`): a page per route, its
//! own Content-Security-Policy in a meta tag, a service worker and a manifest under the app's own
//! path. Run against nginx and, with E2E_HOST=plain, against a plain static server at the root
//! and under a sub-path (scripts/dev.sh test e2e).

use fantoccini::error::CmdError;
use fantoccini::Client;
use serde_json::{json, Value};

use crate::harness::{
    app_url, base_url, host, testid, wait_for, wait_for_model, wait_for_path, with_browser, Host,
};

/// Every route of the app's router (src/web/mod.rs) and the page it shows.
const ROUTES: [(&str, &str); 7] = [
    ("/", "page-predict"),
    ("/demo", "page-demo"),
    ("/batch", "page-batch"),
    ("/history", "page-history"),
    ("/own-model", "page-own-model"),
    ("/dashboard", "page-dashboard"),
    ("/model", "page-model"),
];

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn every_route_opens_by_its_own_url_with_or_without_the_folder_slash() {
    with_browser(&[], |client| async move {
        for (path, page) in ROUTES {
            client.goto(&app_url(path)).await?;
            wait_for(&client, &testid(page)).await?;
            wait_for_path(&client, path).await?;
            if path != "/" {
                // A static host answers `/demo` by redirecting to its folder, `/demo/`: the app
                // shows the route and puts its own URL back.
                client.goto(&app_url(&format!("{path}/"))).await?;
                wait_for(&client, &testid(page)).await?;
                wait_for_path(&client, path).await?;
            }
        }
        // The links lead under the app's path too.
        client.goto(&app_url("/model")).await?;
        wait_for(&client, &testid("nav-dashboard"))
            .await?
            .click()
            .await?;
        wait_for(&client, &testid("page-dashboard")).await?;
        wait_for_path(&client, "/dashboard").await?;
        Ok(())
    })
    .await;
}

/// Appends an inline script whose hash no policy lists; returns whether it ran and the directive
/// the browser reported as violated (`null` if it reported none within 10 s).
async fn inject_inline_script(client: &Client) -> Result<Value, CmdError> {
    client
        .execute_async(
            r#"
            const done = arguments[arguments.length - 1];
            const timer = setTimeout(() => done({ ran: window.injectedRan === true, violated: null }), 10000);
            document.addEventListener('securitypolicyviolation', (event) => {
                clearTimeout(timer);
                done({ ran: window.injectedRan === true, violated: event.effectiveDirective });
            }, { once: true });
            const script = document.createElement('script');
            script.textContent = 'window.injectedRan = true;';
            document.head.appendChild(script);
            "#,
            vec![],
        )
        .await
}

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn the_page_carries_its_policy_and_an_inline_script_not_in_it_is_refused() {
    with_browser(&[], |client| async move {
        client.goto(&app_url("/dashboard")).await?;
        // The app's own inline loader is in the policy: the app runs.
        wait_for_model(&client).await?;
        let found = client
            .execute_async(
                r#"
                const done = arguments[arguments.length - 1];
                const meta = document.querySelector('meta[http-equiv="Content-Security-Policy"]');
                fetch(location.href, { cache: 'no-store' }).then(
                    (response) => done({
                        meta: meta ? meta.content : null,
                        header: response.headers.get('content-security-policy'),
                    }),
                    (error) => done({ meta: meta ? meta.content : null, error: String(error) }),
                );
                "#,
                vec![],
            )
            .await?;
        let meta = found["meta"].as_str().unwrap_or_default();
        for directive in [
            "script-src 'self' 'wasm-unsafe-eval' 'sha256-",
            "style-src 'self' 'sha256-",
            "object-src 'none'",
        ] {
            assert!(
                meta.contains(directive),
                "the page's own policy has `{directive}`: {found}"
            );
        }
        assert!(
            !meta.contains("frame-ancestors"),
            "a meta policy cannot carry frame-ancestors: {meta}"
        );
        if host() == Host::Plain {
            assert_eq!(
                found["header"],
                Value::Null,
                "a plain host sends no policy: the meta tag is the only one"
            );
        }
        let outcome = inject_inline_script(&client).await?;
        assert_eq!(
            outcome,
            json!({ "ran": false, "violated": "script-src-elem" }),
            "an inline script whose hash is not in the policy is refused"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn the_service_worker_and_the_manifest_live_under_the_apps_path() {
    with_browser(&[], |client| async move {
        client.goto(&app_url("/")).await?;
        wait_for_model(&client).await?;
        let app = format!("{}/", base_url());
        let found = client
            .execute_async(
                r#"
                const done = arguments[arguments.length - 1];
                (async () => {
                    const registration = await navigator.serviceWorker.ready;
                    const link = document.querySelector('link[rel="manifest"]');
                    const response = await fetch(link.href);
                    const manifest = await response.json();
                    const icon = new URL(manifest.icons[0].src, link.href).href;
                    const iconStatus = (await fetch(icon)).status;
                    return {
                        scope: registration.scope,
                        worker: registration.active.scriptURL,
                        manifest: link.href,
                        manifestStatus: response.status,
                        startUrl: new URL(manifest.start_url, link.href).href,
                        iconStatus,
                    };
                })().then(done, (error) => done({ error: String(error) }));
                "#,
                vec![],
            )
            .await?;
        assert_eq!(
            found,
            json!({
                "scope": app,
                "worker": format!("{app}sw.js"),
                "manifest": format!("{app}manifest.webmanifest"),
                "manifestStatus": 200,
                "startUrl": app,
                "iconStatus": 200,
            })
        );
        Ok(())
    })
    .await;
}
