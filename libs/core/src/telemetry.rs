//! Logging, tracing and metrics set-up shared by the three services.

use std::io::IsTerminal;
use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, fmt};

use crate::config::LogFormat;

/// Flushes traces when dropped at the end of `main`.
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(p) = self.provider.take()
            && let Err(e) = p.shutdown()
        {
            eprintln!("telemetry shutdown: {e}");
        }
    }
}

/// Installs the global subscriber: pretty logs on a terminal, JSON otherwise, and an OTLP exporter when
/// `OTEL_EXPORTER_OTLP_ENDPOINT` is set. Must be called inside a Tokio runtime.
pub fn init(service: &'static str, format: LogFormat) -> anyhow::Result<TelemetryGuard> {
    let filter = || {
        EnvFilter::try_from_default_env().unwrap_or_else(|_| {
            EnvFilter::new("info,sqlx=warn,tower_http=info,h2=warn,tonic=warn,opentelemetry=warn,async_nats=warn")
        })
    };
    let json = match format {
        LogFormat::Json => true,
        LogFormat::Pretty => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    let fmt_layer = if json {
        fmt::layer()
            .json()
            .with_current_span(true)
            .with_writer(std::io::stderr)
            .boxed()
    } else {
        fmt::layer().with_writer(std::io::stderr).boxed()
    };

    let provider = match std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
        .ok()
        .filter(|s| !s.is_empty())
    {
        Some(endpoint) => {
            use opentelemetry_otlp::WithExportConfig;
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .with_endpoint(endpoint)
                .build()?;
            Some(
                SdkTracerProvider::builder()
                    .with_batch_exporter(exporter)
                    .with_resource(Resource::builder().with_service_name(service).build())
                    .build(),
            )
        }
        None => None,
    };
    let otel = provider.as_ref().map(|p| {
        tracing_opentelemetry::layer()
            .with_tracer(p.tracer(service))
            .with_filter(exporter_transport_excluded())
    });
    if provider.is_some() {
        opentelemetry::global::set_text_map_propagator(
            opentelemetry_sdk::propagation::TraceContextPropagator::new(),
        );
    }
    tracing_subscriber::registry()
        .with(fmt_layer.with_filter(filter()))
        .with(otel)
        .try_init()?;
    Ok(TelemetryGuard { provider })
}

/// Everything but the spans of the exporter's own gRPC transport: each export runs through h2/hyper/tonic/tower,
/// whose trace-level spans would otherwise be exported in turn, feeding the next export forever.
fn exporter_transport_excluded() -> Targets {
    Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_targets(
            ["h2", "hyper", "tonic", "tower", "opentelemetry"].map(|t| (t, LevelFilter::OFF)),
        )
        // `tower` is a prefix of `tower_http`, whose request events belong in the traces.
        .with_target("tower_http", LevelFilter::TRACE)
}

/// The process-wide Prometheus recorder (installed on first use; metrics are global by nature).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder is installed; the handle still renders our registry.
            let _ = metrics::set_global_recorder(recorder);
            let upkeep = handle.clone();
            std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(std::time::Duration::from_secs(5));
                        upkeep.run_upkeep();
                    }
                })
                .ok();
            handle
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn the_exporter_does_not_trace_its_own_transport() {
        let filter = exporter_transport_excluded();
        for target in [
            "h2::codec::framed_write",
            "hyper_util::client",
            "tonic::transport",
            "tower::buffer",
        ] {
            assert!(!filter.would_enable(target, &Level::ERROR), "{target}");
        }
        for target in [
            "flicket_web::startup",
            "flicket_core::repo::outbox",
            "tower_http::trace",
        ] {
            assert!(filter.would_enable(target, &Level::TRACE), "{target}");
        }
    }
}
