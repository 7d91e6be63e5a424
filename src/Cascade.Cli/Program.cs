using System.CommandLine;
using Cascade;
using Cascade.Cli;

namespace Cascade.Cli
{
    /// <summary>Parses the command line, calls the library, prints. No model logic lives here.</summary>
    public static class Cli
    {
        public static int Main(string[] args) => Run(args);

        public static int Run(string[] args)
        {
            ConfigureConsole();
            var root = BuildRoot();
            ParseResult parse = root.Parse(args);
            if (parse.Errors.Count > 0)
            {
                // One line: an unknown word is the most useful thing to name, else the parser's first complaint.
                string message = parse.UnmatchedTokens.Count > 0
                    ? $"unknown command or argument '{parse.UnmatchedTokens[0]}'"
                    : parse.Errors[0].Message;
                Console.Error.WriteLine($"cascade: error: {message} (see 'cascade --help')");
                return ExitCodes.BadInput;
            }
            if (parse.GetValue(CommonOptions.Output) == OutputFormat.Yaml && parse.CommandResult.Command.Name is not ("profile" or "inventory"))
            {
                Console.Error.WriteLine("cascade: error: -o yaml is for profile and inventory; use table or json");
                return ExitCodes.BadInput;
            }
            try
            {
                return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
            }
            catch (InputException e)
            {
                Console.Error.WriteLine($"cascade: error: {e.Describe()}");
                return ExitCodes.BadInput;
            }
            catch (Exception e) when (OutOfMemory(e) && Environment.GetEnvironmentVariable("CASCADE_DEBUG") is not { Length: > 0 })
            {
                // The guard's estimate (RunGuard) admitted a run that did not fit: say what to do, in one line.
                Console.Error.WriteLine("cascade: error: out of memory: the run needed more than the estimate that admitted it; " +
                    "run fewer at once (--threads), lower the scenario's nodes, clusters or duration, or use a machine with more memory");
                return ExitCodes.InternalError;
            }
            catch (Exception e) when (Environment.GetEnvironmentVariable("CASCADE_DEBUG") is not { Length: > 0 })
            {
                Console.Error.WriteLine($"cascade: internal error: {e.GetType().Name}: {e.Message} (set CASCADE_DEBUG=1 for the stack trace)");
                return ExitCodes.InternalError;
            }
        }

        /// <summary>Out of memory, also in one of the runs or clusters run in parallel (an <see cref="AggregateException"/>).</summary>
        public static bool OutOfMemory(Exception e) =>
            e is OutOfMemoryException || (e is AggregateException a && a.Flatten().InnerExceptions.Any(i => i is OutOfMemoryException));

        /// <summary>Colour only on a terminal (and never with NO_COLOR); a fixed width when the output is a file or a pipe.</summary>
        private static void ConfigureConsole()
        {
            bool terminal = !Console.IsOutputRedirected;
            bool noColor = Environment.GetEnvironmentVariable("NO_COLOR") is { Length: > 0 };
            var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
            {
                Ansi = terminal && !noColor ? Spectre.Console.AnsiSupport.Detect : Spectre.Console.AnsiSupport.No,
                ColorSystem = terminal && !noColor ? Spectre.Console.ColorSystemSupport.Detect : Spectre.Console.ColorSystemSupport.NoColors,
                Out = new Spectre.Console.AnsiConsoleOutput(Console.Out),
            });
            if (!terminal) console.Profile.Width = 140;
            Spectre.Console.AnsiConsole.Console = console;
        }

        public static RootCommand BuildRoot()
        {
            var root = new RootCommand(
                "Cascade: a deterministic simulator of Kubernetes fleets under control-plane overload.\n\n" +
                "Exit codes: 0 success; 1 a check's objective failed; 2 bad input (file, flag or override, or a run estimated too large to start: " +
                "see --max-memory and --max-events); 3 internal error.");
            root.Add(CommonOptions.Output);
            root.Add(CommonOptions.Quiet);
            root.Add(ReplayCommand.Build());
            root.Add(RunCommand.Build());
            root.Add(CheckCommand.Build());
            root.Add(CompareCommand.Build());
            root.Add(CliffCommand.Build());
            root.Add(SensitivityCommand.Build());
            root.Add(SweepCommand.Build());
            root.Add(BenchCommand.Build());
            root.Add(ProfileCommand.Build());
            root.Add(InventoryCommand.Build());
            return root;
        }
    }

    public static class ExitCodes
    {
        public const int Ok = 0;
        public const int ObjectiveFailed = 1;
        public const int BadInput = 2;
        public const int InternalError = 3;
    }
}
