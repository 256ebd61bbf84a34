import { UsageError } from './args';
import { runBacktestCli } from './backtest';
import { runDemoExporterCli } from './demoExporter';
import { runServeCli } from './serve';

const HELP = `prescale: predictive autoscaling for Kubernetes workloads

commands:
  backtest TRACE.csv --cold-start 10m --capacity N --out DIR [...]   replay a trace: forecasts, decisions, report
  serve [--config FILE|DIR] [--port N] [--prometheus-url URL]        run the service (the demo workload without --config)
  demo-exporter                                                       the compose stack's demo workload as a Prometheus exporter
  help                                                                this text

Run a command with --help for its flags.`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'backtest':
      return runBacktestCli(rest);
    case 'serve':
      return runServeCli(rest);
    case 'demo-exporter':
      return runDemoExporterCli(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${HELP}\n`);
      return 0;
    default:
      process.stderr.write(`prescale: unknown command "${cmd}": expected one of backtest, serve, demo-exporter, help\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`prescale: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`prescale: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
