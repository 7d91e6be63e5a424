using System.CommandLine;
using System.Diagnostics;
using Cascade.Scenarios.Importers;

namespace Cascade.Cli;

/// <summary>`cascade profile AUDIT.log`: the `workloads:` of a scenario, read from a Kubernetes audit log.</summary>
public static class ProfileCommand
{
    public static Command Build()
    {
        var log = new Argument<string>("audit-log")
        {
            Description = "Kubernetes audit log: audit.k8s.io/v1 Event JSON lines, as the API server's log backend writes them (gzipped too)",
        };
        var change = new Option<string[]>("--change")
        {
            Description = "Profile only this identity: a user name, or a service account as NAMESPACE/NAME (repeatable)",
            AllowMultipleArgumentsPerToken = false,
        };
        var apf = new Option<string?>("--apf")
        {
            Description = "The cluster's APF objects (kubectl get flowschemas,prioritylevelconfigurations -o yaml) to classify the calls by; default: Kubernetes' suggested ones",
        };
        var cmd = new Command("profile",
            "Read a staging cluster's audit log and write the `workloads:` of a scenario: per identity, its calls, their rate per pod, " +
            "and whether it runs one pod per node (yaml by default, with the evidence in comments; -o json)")
        {
            log, change, apf,
        };
        cmd.SetAction(parse =>
        {
            string path = parse.GetValue(log)!;
            bool quiet = parse.GetValue(CommonOptions.Quiet);
            var watch = Stopwatch.StartNew();
            var profile = AuditProfiler.ProfileFile(path);
            foreach (var m in profile.FirstMalformed)
                Console.Error.WriteLine($"cascade: warning: {path}:{m.Line}{(m.Column > 0 ? $":{m.Column}" : "")}: skipped: {m.Problem}");
            if (profile.MalformedCount > 0)
                Console.Error.WriteLine($"cascade: warning: {path}: {profile.MalformedCount:N0} malformed lines skipped in all ({profile.FirstMalformed.Count} shown)");
            var apfSource = parse.GetValue(apf) is { } apfFile ? ApfSource.FromFile(apfFile) : null;
            var document = ProfiledWorkloads.From(profile, parse.GetValue(change) ?? [], apfSource);
            foreach (var w in document.Warnings) Console.Error.WriteLine($"cascade: warning: {path}: {w}");
            Console.Out.Write(parse.GetValue(CommonOptions.Output) == OutputFormat.Json ? ImporterJson.Serialize(document) : ProfileYaml.Write(document));
            if (!quiet)
                Console.Error.WriteLine($"{profile.Lines:N0} lines, {profile.Requests:N0} requests by {profile.Identities.Count} identities; " +
                    $"{document.Workloads.Count} workloads written; {watch.Elapsed.TotalSeconds:F2} s wall");
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
