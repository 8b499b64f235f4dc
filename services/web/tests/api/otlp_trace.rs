//! One reply is one trace through the production pipeline: the real `flicket-web` and `flicket-mailer` processes
//! export their spans over OTLP/gRPC (`OTEL_EXPORTER_OTLP_ENDPOINT`) to a receiver this test runs, a user replies
//! through HTTP, and the subscriber's email reaches an SMTP sink. The web's request span and the mailer's
//! `email.deliver` span share one trace id, the delivery hangs (through its parents) under the request span, and
//! each export names the service that sent it.
//!
//! The web exports promptly (a short batch delay, checked while it runs); the mailer's batch delay is an hour, so
//! its spans can only arrive through the flush at exit (SIGTERM).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use flicket_core::Locale;
use flicket_core::smtp_sink::SmtpSink;
use flicket_core::testing::ServiceProcess;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::Span;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::*;
use crate::replicas::{binary, database_url};
use crate::tickets_support::{create_direct, reply_form};

/// The OTLP trace service: keeps every export request as received.
#[derive(Clone, Default)]
struct Collected(Arc<Mutex<Vec<ExportTraceServiceRequest>>>);

#[tonic::async_trait]
impl TraceService for Collected {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        self.0.lock().unwrap().push(request.into_inner());
        Ok(tonic::Response::new(ExportTraceServiceResponse {
            partial_success: None,
        }))
    }
}

/// A span as received, with the `service.name` of the resource it was exported under.
#[derive(Debug, Clone)]
struct Received {
    service: String,
    span: Span,
}

impl Received {
    fn attribute(&self, key: &str) -> Option<&str> {
        string_attribute(&self.span.attributes, key)
    }
}

fn string_attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a str> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v: &AnyValue| match &v.value {
            Some(any_value::Value::StringValue(s)) => Some(s.as_str()),
            _ => None,
        })
}

/// An OTLP/gRPC receiver on a free port of 127.0.0.1, served until dropped.
struct Receiver {
    addr: SocketAddr,
    collected: Collected,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Receiver {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let collected = Collected::default();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let service = TraceServiceServer::new(collected.clone());
        tokio::spawn(async move {
            tonic::transport::Server::builder()
                .add_service(service)
                .serve_with_incoming_shutdown(
                    tonic::transport::server::TcpIncoming::from(listener),
                    async {
                        let _ = stopped.await;
                    },
                )
                .await
                .unwrap();
        });
        Self {
            addr,
            collected,
            _stop: stop,
        }
    }

    fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every span received so far, flattened out of the export requests.
    fn spans(&self) -> Vec<Received> {
        let exports = self.collected.0.lock().unwrap();
        let mut spans = Vec::new();
        for resource_spans in exports.iter().flat_map(|e| &e.resource_spans) {
            let service = resource_spans
                .resource
                .as_ref()
                .and_then(|r| string_attribute(&r.attributes, "service.name"))
                .unwrap_or_default()
                .to_owned();
            for scope in &resource_spans.scope_spans {
                for span in &scope.spans {
                    spans.push(Received {
                        service: service.clone(),
                        span: span.clone(),
                    });
                }
            }
        }
        spans
    }

    /// The first span matching `pred`, waiting for it up to `timeout`.
    async fn wait_for(
        &self,
        timeout: Duration,
        pred: impl Fn(&Received) -> bool,
    ) -> Option<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = self.spans().into_iter().find(&pred) {
                return Some(found);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The web's span of the HTTP request that posted a reply.
fn is_reply_request(s: &Received) -> bool {
    s.service == "flicket-web"
        && s.span.name == "http"
        && s.attribute("method") == Some("POST")
        && s.attribute("route") == Some("/tickets/{id}/replies")
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn one_reply_is_one_trace_across_the_web_and_mailer_processes(pool: PgPool) {
    let receiver = Receiver::start().await;
    let sink = SmtpSink::start().await.unwrap();
    sqlx::query("update settings set smtp_host = '127.0.0.1', smtp_port = $1, smtp_tls = 'none', suppress_send = false")
        .bind(i32::from(sink.port()))
        .execute(&pool)
        .await
        .unwrap();
    let ada = create_user(&pool, "ada", false, Locale::En).await;
    create_user(&pool, "bob", false, Locale::En).await;
    // Ada raised the ticket, so she follows it: Bob's reply mails her.
    let ticket = create_direct(&pool, ada, "Printer jam on floor 2").await;

    let url = database_url(&pool);
    let queue = format!("flicket:test:otlp:{}", uuid::Uuid::new_v4());
    let endpoint = receiver.endpoint();
    let env = |batch_delay_ms: &'static str| -> Vec<(&'static str, String)> {
        vec![
            ("FLICKET_DATABASE_URL", url.clone()),
            ("FLICKET_EMAIL_QUEUE", queue.clone()),
            ("FLICKET_SMTP_ALLOW_PRIVATE", "true".into()),
            ("RUST_LOG", "warn".into()),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.clone()),
            ("OTEL_BSP_SCHEDULE_DELAY", batch_delay_ms.into()),
        ]
    };
    let start = |bin: &str, listen: &str, env: Vec<(&'static str, String)>| {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        ServiceProcess::start(&binary(bin), listen, &env).unwrap()
    };
    let mut web = start("flicket-web", "FLICKET_LISTEN", env("100"));
    let mut mailer = start("flicket-mailer", "FLICKET_MAILER_LISTEN", env("3600000"));
    for p in [&web, &mailer] {
        assert!(
            p.wait_for("/readyz", 200, Duration::from_secs(60)).await,
            "{} not ready",
            p.addr
        );
    }

    // Bob signs in and replies through HTTP; Ada gets the email.
    let bob = TestApp::remote(&format!("http://{}", web.addr), None);
    assert_eq!(
        bob.login("bob", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let page = format!("/tickets/{}", ticket.0);
    let resp = bob
        .post_multi(
            &format!("{page}/replies"),
            &page,
            reply_form("Traced from the browser to the mailbox."),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let mails = sink.wait_for(1, Duration::from_secs(60)).await;
    assert_eq!(mails.len(), 1, "one reply, one email");
    assert_eq!(mails[0].to, ["ada@example.com"]);

    // The web exports while it runs.
    let request = receiver
        .wait_for(Duration::from_secs(30), is_reply_request)
        .await
        .expect("the web exported the request span of the reply");

    // The mailer's batch delay is an hour: its delivery span can only come from the flush at exit.
    assert!(
        !receiver
            .spans()
            .iter()
            .any(|s| s.span.name == "email.deliver"),
        "the mailer exported before it was asked to stop"
    );

    // SIGTERM: each process flushes its spans before it exits.
    for p in [&mut mailer, &mut web] {
        let status = p
            .terminate(Duration::from_secs(30))
            .await
            .expect("exits within the grace period");
        assert!(status.success(), "{status:?}");
    }

    let spans = receiver.spans();
    let requests: Vec<&Received> = spans.iter().filter(|s| is_reply_request(s)).collect();
    assert_eq!(requests.len(), 1, "one reply request span");
    let deliveries: Vec<&Received> = spans
        .iter()
        .filter(|s| s.span.name == "email.deliver")
        .collect();
    // One attempt normally; a transient SMTP hiccup would add a retry, in the same trace.
    let sent: Vec<&&Received> = deliveries
        .iter()
        .filter(|s| s.attribute("outcome") == Some("Sent"))
        .collect();
    assert_eq!(
        sent.len(),
        1,
        "one sending delivery span, exported at the mailer's exit: {deliveries:?}"
    );
    let delivery = *sent[0];
    assert!(
        deliveries
            .iter()
            .all(|d| d.span.trace_id == request.span.trace_id)
    );
    assert_eq!(delivery.service, "flicket-mailer");
    assert_eq!(request.service, "flicket-web");
    assert_ne!(delivery.service, request.service);

    // One trace: same trace id, and the delivery's parents lead to the request span.
    assert_eq!(request.span.trace_id.len(), 16);
    assert_eq!(
        delivery.span.trace_id, request.span.trace_id,
        "the delivery belongs to the request's trace"
    );
    let by_id: HashMap<&[u8], &Received> = spans
        .iter()
        .map(|s| (s.span.span_id.as_slice(), s))
        .collect();
    let mut chain = vec![format!("{}:{}", delivery.service, delivery.span.name)];
    let mut parent = delivery.span.parent_span_id.as_slice();
    while parent != request.span.span_id.as_slice() {
        assert!(
            !parent.is_empty() && chain.len() < 64,
            "the delivery's parent chain ends before the request span: {chain:?}"
        );
        let span = by_id
            .get(parent)
            .unwrap_or_else(|| panic!("parent {parent:02x?} of {chain:?} was not exported"));
        assert_eq!(span.span.trace_id, request.span.trace_id);
        chain.push(format!("{}:{}", span.service, span.span.name));
        parent = span.span.parent_span_id.as_slice();
    }
    // Every span of the trace came from one of the two services.
    assert!(
        spans
            .iter()
            .filter(|s| s.span.trace_id == request.span.trace_id)
            .all(|s| s.service == "flicket-web" || s.service == "flicket-mailer")
    );
    // The exporter's own gRPC transport is not traced (each export would feed the next one).
    let transport: Vec<&Received> = spans
        .iter()
        .filter(|s| {
            let target = s.attribute("target").unwrap_or_default();
            ["h2", "hyper", "tonic", "tower::"]
                .iter()
                .any(|t| target.starts_with(t))
        })
        .collect();
    assert!(transport.is_empty(), "{:?}", transport.first());
}
