-- wrk script: print p50/p90/p95/p99 latency and throughput in a form that is easy to copy.
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  for _, p in ipairs({50, 90, 95, 99}) do
    io.write(string.format("p%d %.2f ms\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("max %.2f ms\n", latency.max / 1000))
  io.write(string.format("requests %d in %.1f s = %.0f req/s; non-2xx %d; socket errors %d\n", summary.requests, seconds,
    summary.requests / seconds, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
