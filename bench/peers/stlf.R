#!/usr/bin/env Rscript
# Peer forecaster for bench/accuracy.ts: R's forecast::stlf (STL decomposition + ETS on the
# seasonally adjusted series), fitted at every requested origin on the history up to and
# including that origin (causal).
#
# Usage: Rscript bench/peers/stlf.R TRACE.csv ORIGINS.txt HORIZONS_S OUT.csv [WINDOW_DAYS] [REFIT_EVERY]
#   TRACE.csv    header timestamp,value; ISO-8601 UTC (2014-04-10T00:04:00Z) or unix seconds
#   ORIGINS.txt  one origin (unix seconds) per line; each must be a sample time of the trace
#   HORIZONS_S   comma-separated horizons in seconds, multiples of the step (e.g. 600,3600)
#   OUT.csv      written with header origin,horizon_s,p50,p90
#   WINDOW_DAYS  fit window cap in days (default 14): older history is dropped, for speed
#   REFIT_EVERY  full stlf model selection (etsmodel "ZZN", the stlf default) every N-th origin
#                (default 24, once a day at hourly origins); at the origins in between the
#                selected ETS form (e.g. "ANN") is kept and only its parameters are re-estimated.
#                Measured on nasa_http_jul95_1min (14 days x 1440 samples): selection 0.33 s per
#                origin, fixed form 0.03 s. 1 = plain stlf at every origin.
#
# p90 is the upper bound of stlf's 80% prediction interval (level = 80), which is the one-sided
# 90% quantile of its Gaussian forecast distribution.
# Origins with less than 2 full days of history are skipped (stlf needs 2 seasonal periods).
suppressPackageStartupMessages(library(forecast))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 4) stop("usage: stlf.R TRACE.csv ORIGINS.txt HORIZONS_S OUT.csv [WINDOW_DAYS] [REFIT_EVERY]")
trace_path <- args[1]
origins_path <- args[2]
horizons_s <- as.numeric(strsplit(args[3], ",")[[1]])
out_path <- args[4]
window_days <- if (length(args) >= 5) as.numeric(args[5]) else 14
refit_every <- if (length(args) >= 6) as.integer(args[6]) else 24L

d <- read.csv(trace_path, stringsAsFactors = FALSE)
if (!all(c("timestamp", "value") %in% names(d))) stop(paste("trace", trace_path, "must have columns timestamp,value; got", paste(names(d), collapse = ",")))
ts_raw <- as.character(d$timestamp)
t <- if (all(grepl("^[0-9]+(\\.[0-9]+)?$", ts_raw))) as.numeric(ts_raw) else
  as.numeric(as.POSIXct(ts_raw, format = "%Y-%m-%dT%H:%M:%OSZ", tz = "UTC"))
if (any(is.na(t))) stop(paste("trace", trace_path, "has unparseable timestamps, e.g.", ts_raw[which(is.na(t))[1]]))
y <- as.numeric(d$value)
step <- t[2] - t[1]
if (any(abs(diff(t) - step) > 1e-6)) stop(paste("trace", trace_path, "is not on a regular grid of", step, "s"))
spd <- round(86400 / step)  # samples per day: 288 at 300 s, 1440 at 60 s
window <- round(window_days * spd)
hsteps <- round(horizons_s / step)
if (any(abs(hsteps * step - horizons_s) > 1e-6)) stop(paste("horizons", args[3], "must be multiples of the step", step))
H <- max(hsteps)

origins <- as.numeric(readLines(origins_path))
idx <- round((origins - t[1]) / step) + 1
if (any(idx < 1 | idx > length(y) | abs(t[pmax(1, pmin(length(y), idx))] - origins) > 1e-6)) stop("an origin is not a sample time of the trace")

out <- vector("list", length(origins))
form <- NULL  # the ETS form selected at the last full fit, e.g. list(code = "ANN", damped = FALSE)
fits <- 0L
skipped <- 0L
reselected <- 0L  # origins where the kept form failed and stlf re-selected
for (k in seq_along(idx)) {
  i <- idx[k]
  if (i < 2 * spd) { skipped <- skipped + 1L; next }
  x <- ts(y[max(1, i - window + 1):i], frequency = spd)
  f <- NULL
  if (!is.null(form) && fits %% refit_every != 0) {
    # The kept form can become invalid for this window (e.g. multiplicative errors once the
    # seasonally adjusted series touches 0): then fall through to a full selection.
    f <- tryCatch(stlf(x, h = H, level = 80, etsmodel = form$code, damped = form$damped),
                  error = function(e) NULL)
    if (is.null(f)) reselected <- reselected + 1L
  }
  if (is.null(f)) {
    f <- stlf(x, h = H, level = 80)
    comp <- f$model$components
    form <- list(code = paste0(comp[1], comp[2], comp[3]), damped = as.logical(comp[4]))
  }
  fits <- fits + 1L
  out[[k]] <- data.frame(origin = origins[k], horizon_s = horizons_s,
                         p50 = as.numeric(f$mean)[hsteps], p90 = as.numeric(f$upper[, 1])[hsteps])
}
res <- do.call(rbind, out[!vapply(out, is.null, logical(1))])
if (is.null(res)) res <- data.frame(origin = numeric(0), horizon_s = numeric(0), p50 = numeric(0), p90 = numeric(0))
write.csv(res, out_path, row.names = FALSE, quote = FALSE)
cpu <- proc.time()
cat(sprintf("stlf.R: %d origins fitted, %d skipped (< 2 days of history), window %g days, full selection every %d origins (%d extra after a kept form failed), cpu %.1f s\n",
            fits, skipped, window_days, refit_every, reselected, cpu[["user.self"]] + cpu[["sys.self"]]), file = stderr())
