import { UsageError } from './args';

const HELP = `prescale: predictive autoscaling for Kubernetes workloads

commands:
  backtest TRACE.csv --cold-start 10m --capacity N --out DIR [...]   replay a trace: forecasts, decisions, report
  serve [--config FILE|DIR] [--port N] [--prometheus-url URL]        run the service (the demo workload without --config)
  help                                                                this text

Run a command with --help for its flags.`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'backtest': {
      const { runBacktestCli } = await import('./backtest');
      return runBacktestCli(rest);
    }
    case 'serve': {
      const { runServeCli } = await import('./serve');
      return runServeCli(rest);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${HELP}\n`);
      return 0;
    default:
      process.stderr.write(`prescale: unknown command "${cmd}": expected one of backtest, serve, help\n`);
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
