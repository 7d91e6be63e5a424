using System.CommandLine;
using System.Diagnostics;
using Cascade.Scenarios.Importers;

namespace Cascade.Cli;

/// <summary>`cascade inventory DUMP...`: the `clusters:` of a scenario, read from `kubectl get ... -o json` dumps.</summary>
public static class InventoryCommand
{
    public static Command Build()
    {
        var dumps = new Argument<string[]>("dump")
        {
            Description = "Output of `kubectl get nodes,pods,services,endpointslices,configmaps,secrets -A -o json` (gzipped too): one file per cluster, or a folder of them",
            Arity = ArgumentArity.OneOrMore,
        };
        var apf = new Option<string?>("--apf")
        {
            Description = "The clusters' APF objects (kubectl get flowschemas,prioritylevelconfigurations -o yaml): checked, and named as each cluster's apiServer.apf.file",
        };
        var cmd = new Command("inventory",
            "Read kubectl dumps and write the `clusters:` of a scenario: nodes, pods per node, per resource the objects and bytes per object " +
            "(yaml by default; -o json)")
        {
            dumps, apf,
        };
        cmd.SetAction(parse =>
        {
            bool quiet = parse.GetValue(CommonOptions.Quiet);
            var watch = Stopwatch.StartNew();
            var document = InventoryDocument.From(Inventory.ReadAll(parse.GetValue(dumps)!), parse.GetValue(apf));
            Console.Out.Write(parse.GetValue(CommonOptions.Output) == OutputFormat.Json ? ImporterJson.Serialize(document) : document.ToYaml());
            if (!quiet) Console.Error.WriteLine($"{document.Clusters.Count} clusters written; {watch.Elapsed.TotalSeconds:F2} s wall");
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
