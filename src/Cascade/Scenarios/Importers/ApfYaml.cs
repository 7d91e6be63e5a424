using System.Globalization;
using Cascade.ControlPlane.Apf;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Cascade.Scenarios.Importers;

// Stands for: reading the objects an operator has, as `kubectl get flowschemas,prioritylevelconfigurations
// -o yaml` prints them (a `kind: List` with items) or as applied manifests (multi-document YAML), in
// flowcontrol.apiserver.k8s.io/v1 (v1beta3 has the same shape and is accepted too). Keeps the spec fields
// and the API's defaulting; ignores metadata other than the name, and status. Strict about everything in
// spec: an unknown or mistyped field is an error naming its file, line, column and path, since a silently
// ignored typo (handsize) would change the simulation.

public static class ApfYaml
{
    private const string Group = "flowcontrol.apiserver.k8s.io/";
    private static readonly string[] AcceptedVersions = { Group + "v1", Group + "v1beta3" };

    /// <summary><paramref name="next"/>'s YAML documents after <paramref name="first"/>'s (or alone when there are none before).</summary>
    public static string Append(string? first, string next) => first is null ? next : first.TrimEnd() + "\n---\n" + next;

    /// <summary>
    /// Reads the objects of <paramref name="yamlText"/>. A FlowSchema must name a priority level of the file,
    /// a mandatory one (exempt, catch-all) or, with <paramref name="keepDefaults"/>, a bootstrap one: the API
    /// server would keep a dangling schema and match nothing with it, which in a file is always a typo.
    /// </summary>
    public static ApfObjects Parse(string yamlText, string fileName, bool keepDefaults = true)
    {
        ArgumentNullException.ThrowIfNull(yamlText);
        // The scenario loader's reading: nesting limit, and tabs and empty keys at their own line and column.
        if (!YamlText.TryLoad(yamlText, out var stream, out var error, out var at))
            throw new InputException(error, fileName, (int)at.Line, (int)at.Column);
        var reader = new Reader(fileName);
        foreach (var doc in stream.Documents)
        {
            if (doc.RootNode is YamlScalarNode { Value: null or "" or "~" or "null" }) continue;  // empty document
            reader.ReadTopLevel(doc.RootNode);
        }
        reader.CheckLevelsExist(keepDefaults);
        return new ApfObjects(reader.Levels, reader.Schemas);
    }

    private sealed class Reader
    {
        private readonly string _file;
        private readonly Dictionary<string, YamlNode> _levelNames = new(StringComparer.Ordinal);
        private readonly Dictionary<string, YamlNode> _schemaNames = new(StringComparer.Ordinal);
        // Where each field of the object being read is, so that a semantic check can point at the line.
        private readonly Dictionary<string, YamlNode> _where = new(StringComparer.Ordinal);

        public Reader(string file) => _file = file;

        public List<PriorityLevelConfiguration> Levels { get; } = new();
        public List<FlowSchema> Schemas { get; } = new();

        // Each FlowSchema's spec.priorityLevelConfiguration.name, with where it is, checked once all levels are read.
        private readonly List<(string Level, YamlNode At, string Path)> _levelRefs = new();

        public void CheckLevelsExist(bool keepDefaults)
        {
            var known = new HashSet<string>(_levelNames.Keys, StringComparer.Ordinal) { ApfDefaults.Exempt, ApfDefaults.CatchAll };
            if (keepDefaults) known.UnionWith(ApfDefaults.PriorityLevels.Select(p => p.Name));
            foreach (var (level, at, path) in _levelRefs)
                if (!known.Contains(level))
                    throw Error($"no PriorityLevelConfiguration is named \"{level}\" (known: {string.Join(", ", known.Order(StringComparer.Ordinal))})", at, path);
        }

        public void ReadTopLevel(YamlNode root)
        {
            var map = Map(root, "");
            string kind = RequiredString(map, "kind", "");
            if (kind is "List" or "FlowSchemaList" or "PriorityLevelConfigurationList")
            {
                foreach (var (key, value) in Entries(map, ""))
                {
                    if (key is not ("apiVersion" or "kind" or "metadata" or "items")) throw Unknown(key, "", map);
                }
                var itemsNode = Get(map, "items");
                if (itemsNode is null) return;
                var items = Seq(itemsNode, "items");
                for (int i = 0; i < items.Children.Count; i++) ReadObject(items.Children[i], $"items[{i}]");
                return;
            }
            ReadObject(root, "");
        }

        private void ReadObject(YamlNode node, string path)
        {
            var map = Map(node, path);
            _where.Clear();
            string kind = RequiredString(map, "kind", path);
            string apiVersion = RequiredString(map, "apiVersion", path);
            if (Array.IndexOf(AcceptedVersions, apiVersion) < 0)
                throw Error($"apiVersion \"{apiVersion}\" is not supported; use {AcceptedVersions[0]}", Get(map, "apiVersion")!, Join(path, "apiVersion"));
            foreach (var (key, _) in Entries(map, path))
            {
                if (key is not ("apiVersion" or "kind" or "metadata" or "spec" or "status")) throw Unknown(key, path, map);
            }
            var metadata = RequiredMap(map, "metadata", path);
            string namePath = Join(path, "metadata.name");
            string name = RequiredString(metadata, "name", Join(path, "metadata"));
            var nameNode = Get(metadata, "name")!;
            var spec = RequiredMap(map, "spec", path);
            string specPath = Join(path, "spec");
            switch (kind)
            {
                case "PriorityLevelConfiguration":
                    if (_levelNames.ContainsKey(name)) throw Error($"a second PriorityLevelConfiguration named \"{name}\"", nameNode, namePath);
                    _levelNames[name] = nameNode;
                    var pl = ReadPriorityLevel(name, spec, specPath);
                    Check(() => ApfConfiguration.Validate(pl), map, path);
                    Levels.Add(pl);
                    break;
                case "FlowSchema":
                    if (_schemaNames.ContainsKey(name)) throw Error($"a second FlowSchema named \"{name}\"", nameNode, namePath);
                    _schemaNames[name] = nameNode;
                    var fs = ReadFlowSchema(name, spec, specPath);
                    Check(() => ApfConfiguration.Validate(fs), map, path);
                    Schemas.Add(fs);
                    break;
                default:
                    throw Error($"kind \"{kind}\" is not FlowSchema or PriorityLevelConfiguration", Get(map, "kind")!, Join(path, "kind"));
            }
        }

        private PriorityLevelConfiguration ReadPriorityLevel(string name, YamlMappingNode spec, string path)
        {
            AllowOnly(spec, path, "type", "limited", "exempt");
            string type = RequiredString(spec, "type", path);
            if (type == "Exempt")
            {
                if (Get(spec, "limited") is { } l) throw Error("a priority level of type Exempt cannot have `limited`", l, Join(path, "limited"));
                var exempt = OptionalMap(spec, "exempt", path);
                int ncs = 0, lendable = 0;
                if (exempt is not null)
                {
                    string ep = Join(path, "exempt");
                    AllowOnly(exempt, ep, "nominalConcurrencyShares", "lendablePercent");
                    ncs = OptionalInt(exempt, "nominalConcurrencyShares", ep) ?? 0;
                    lendable = OptionalInt(exempt, "lendablePercent", ep) ?? 0;
                }
                return new PriorityLevelConfiguration
                {
                    Name = name, Type = PriorityLevelType.Exempt, NominalConcurrencyShares = ncs, LendablePercent = lendable,
                    LimitResponse = LimitResponseType.Reject, Queues = 0, HandSize = 0, QueueLengthLimit = 0,
                };
            }
            if (type != "Limited") throw Error($"type must be Exempt or Limited, not \"{type}\"", Get(spec, "type")!, Join(path, "type"));
            if (Get(spec, "exempt") is { } e) throw Error("a priority level of type Limited cannot have `exempt`", e, Join(path, "exempt"));
            string lp = Join(path, "limited");
            var limited = RequiredMap(spec, "limited", path);
            AllowOnly(limited, lp, "nominalConcurrencyShares", "assuredConcurrencyShares", "lendablePercent", "borrowingLimitPercent", "limitResponse");
            if (Get(limited, "assuredConcurrencyShares") is { } acs)
                throw Error("assuredConcurrencyShares is the pre-v1beta3 name; v1 calls it nominalConcurrencyShares", acs, Join(lp, "assuredConcurrencyShares"));
            int shares = OptionalInt(limited, "nominalConcurrencyShares", lp) ?? PriorityLevelConfiguration.DefaultNominalConcurrencyShares;
            int lendablePercent = OptionalInt(limited, "lendablePercent", lp) ?? 0;
            int? borrowing = OptionalInt(limited, "borrowingLimitPercent", lp);
            string rp = Join(lp, "limitResponse");
            var response = RequiredMap(limited, "limitResponse", lp);
            AllowOnly(response, rp, "type", "queuing");
            string responseType = RequiredString(response, "type", rp);
            if (responseType == "Reject")
            {
                if (Get(response, "queuing") is { } qn) throw Error("a Reject limit response cannot have `queuing`", qn, Join(rp, "queuing"));
                return new PriorityLevelConfiguration
                {
                    Name = name, NominalConcurrencyShares = shares, LendablePercent = lendablePercent, BorrowingLimitPercent = borrowing,
                    LimitResponse = LimitResponseType.Reject, Queues = 0, HandSize = 0, QueueLengthLimit = 0,
                };
            }
            if (responseType != "Queue") throw Error($"limitResponse type must be Queue or Reject, not \"{responseType}\"", Get(response, "type")!, Join(rp, "type"));
            int queues = PriorityLevelConfiguration.DefaultQueues;
            int hand = PriorityLevelConfiguration.DefaultHandSize;
            int length = PriorityLevelConfiguration.DefaultQueueLengthLimit;
            var queuing = OptionalMap(response, "queuing", rp);
            if (queuing is not null)
            {
                string qp = Join(rp, "queuing");
                AllowOnly(queuing, qp, "queues", "handSize", "queueLengthLimit");
                queues = OptionalInt(queuing, "queues", qp) ?? queues;
                hand = OptionalInt(queuing, "handSize", qp) ?? hand;
                length = OptionalInt(queuing, "queueLengthLimit", qp) ?? length;
            }
            return new PriorityLevelConfiguration
            {
                Name = name, NominalConcurrencyShares = shares, LendablePercent = lendablePercent, BorrowingLimitPercent = borrowing,
                LimitResponse = LimitResponseType.Queue, Queues = queues, HandSize = hand, QueueLengthLimit = length,
            };
        }

        private FlowSchema ReadFlowSchema(string name, YamlMappingNode spec, string path)
        {
            AllowOnly(spec, path, "priorityLevelConfiguration", "matchingPrecedence", "distinguisherMethod", "rules");
            var plRef = RequiredMap(spec, "priorityLevelConfiguration", path);
            string plPath = Join(path, "priorityLevelConfiguration");
            AllowOnly(plRef, plPath, "name");
            string level = RequiredString(plRef, "name", plPath);
            _levelRefs.Add((level, Get(plRef, "name")!, Join(plPath, "name")));
            int precedence = OptionalInt(spec, "matchingPrecedence", path) ?? FlowSchema.DefaultMatchingPrecedence;
            FlowDistinguisherMethod? distinguisher = null;
            var dm = OptionalMap(spec, "distinguisherMethod", path);
            if (dm is not null)
            {
                string dp = Join(path, "distinguisherMethod");
                AllowOnly(dm, dp, "type");
                string t = RequiredString(dm, "type", dp);
                distinguisher = t switch
                {
                    "ByUser" => FlowDistinguisherMethod.ByUser,
                    "ByNamespace" => FlowDistinguisherMethod.ByNamespace,
                    _ => throw Error($"distinguisherMethod type must be ByUser or ByNamespace, not \"{t}\"", Get(dm, "type")!, Join(dp, "type")),
                };
            }
            var rules = new List<PolicyRulesWithSubjects>();
            var rulesNode = Get(spec, "rules");
            if (rulesNode is not null && !IsNull(rulesNode))
            {
                var seq = Seq(rulesNode, Join(path, "rules"));
                for (int i = 0; i < seq.Children.Count; i++) rules.Add(ReadRule(seq.Children[i], Join(path, $"rules[{i}]")));
            }
            return new FlowSchema { Name = name, PriorityLevelName = level, MatchingPrecedence = precedence, Distinguisher = distinguisher, Rules = rules };
        }

        private PolicyRulesWithSubjects ReadRule(YamlNode node, string path)
        {
            var map = Map(node, path);
            AllowOnly(map, path, "subjects", "resourceRules", "nonResourceRules");
            var rule = new PolicyRulesWithSubjects();
            var subjects = RequiredSeq(map, "subjects", path);
            if (subjects.Children.Count == 0) throw Error("a rule needs at least one subject", subjects, Join(path, "subjects"));
            for (int i = 0; i < subjects.Children.Count; i++) rule.Subjects.Add(ReadSubject(subjects.Children[i], Join(path, $"subjects[{i}]")));
            if (OptionalSeq(map, "resourceRules", path) is { } rrs)
            {
                for (int i = 0; i < rrs.Children.Count; i++)
                {
                    string rp = Join(path, $"resourceRules[{i}]");
                    var rr = Map(rrs.Children[i], rp);
                    AllowOnly(rr, rp, "verbs", "apiGroups", "resources", "clusterScope", "namespaces");
                    rule.ResourceRules.Add(new ResourcePolicyRule
                    {
                        Verbs = RequiredStrings(rr, "verbs", rp),
                        ApiGroups = RequiredStrings(rr, "apiGroups", rp),
                        Resources = RequiredStrings(rr, "resources", rp),
                        ClusterScope = OptionalBool(rr, "clusterScope", rp) ?? false,
                        Namespaces = OptionalStrings(rr, "namespaces", rp),
                    });
                }
            }
            if (OptionalSeq(map, "nonResourceRules", path) is { } nrs)
            {
                for (int i = 0; i < nrs.Children.Count; i++)
                {
                    string np = Join(path, $"nonResourceRules[{i}]");
                    var nr = Map(nrs.Children[i], np);
                    AllowOnly(nr, np, "verbs", "nonResourceURLs");
                    rule.NonResourceRules.Add(new NonResourcePolicyRule
                    {
                        Verbs = RequiredStrings(nr, "verbs", np),
                        NonResourceUrls = RequiredStrings(nr, "nonResourceURLs", np),
                    });
                }
            }
            return rule;
        }

        private Subject ReadSubject(YamlNode node, string path)
        {
            var map = Map(node, path);
            AllowOnly(map, path, "kind", "user", "group", "serviceAccount");
            string kind = RequiredString(map, "kind", path);
            switch (kind)
            {
                case "User":
                {
                    var u = RequiredMap(map, "user", path);
                    AllowOnly(u, Join(path, "user"), "name");
                    return Subject.User(RequiredString(u, "name", Join(path, "user")));
                }
                case "Group":
                {
                    var g = RequiredMap(map, "group", path);
                    AllowOnly(g, Join(path, "group"), "name");
                    return Subject.Group(RequiredString(g, "name", Join(path, "group")));
                }
                case "ServiceAccount":
                {
                    string sp = Join(path, "serviceAccount");
                    var sa = RequiredMap(map, "serviceAccount", path);
                    AllowOnly(sa, sp, "namespace", "name");
                    return Subject.ServiceAccount(RequiredString(sa, "namespace", sp), RequiredString(sa, "name", sp));
                }
                default:
                    throw Error($"subject kind must be User, Group or ServiceAccount, not \"{kind}\"", Get(map, "kind")!, Join(path, "kind"));
            }
        }

        // ---- typed access with locations ----

        private void Check(Action validate, YamlMappingNode objectNode, string path)
        {
            try
            {
                validate();
            }
            catch (InputException e) when (e.Line == 0)
            {
                string field = Join(path, e.Field ?? "");
                var at = _where.TryGetValue(field, out var n) ? n : objectNode;
                throw Error(e.Message, at, field);
            }
        }

        private YamlMappingNode Map(YamlNode node, string path) =>
            node as YamlMappingNode ?? throw Error("expected a mapping (key: value lines)", node, path);

        private YamlSequenceNode Seq(YamlNode node, string path) =>
            node as YamlSequenceNode ?? throw Error("expected a list", node, path);

        private YamlNode? Get(YamlMappingNode map, string key)
        {
            foreach (var (k, v) in map.Children)
            {
                if (k is YamlScalarNode s && s.Value == key) return v;
            }
            return null;
        }

        private IEnumerable<(string Key, YamlNode Value)> Entries(YamlMappingNode map, string path)
        {
            foreach (var (k, v) in map.Children)
            {
                if (k is not YamlScalarNode s || s.Value is null) throw Error("expected a plain key", k, path);
                yield return (s.Value, v);
            }
        }

        private void AllowOnly(YamlMappingNode map, string path, params string[] keys)
        {
            foreach (var (key, value) in Entries(map, path))
            {
                if (Array.IndexOf(keys, key) < 0) throw Unknown(key, path, map);
                _where[Join(path, key)] = value;
            }
        }

        private InputException Unknown(string key, string path, YamlMappingNode map)
        {
            YamlNode at = map;
            foreach (var (k, _) in map.Children) if (k is YamlScalarNode s && s.Value == key) { at = k; break; }
            return Error($"unknown field \"{key}\"", at, Join(path, key));
        }

        private YamlMappingNode RequiredMap(YamlMappingNode map, string key, string path) =>
            Get(map, key) is { } n ? Map(n, Join(path, key)) : throw Missing(map, key, path);

        private YamlMappingNode? OptionalMap(YamlMappingNode map, string key, string path) =>
            Get(map, key) is { } n && !IsNull(n) ? Map(n, Join(path, key)) : null;

        private YamlSequenceNode RequiredSeq(YamlMappingNode map, string key, string path) =>
            Get(map, key) is { } n ? Seq(n, Join(path, key)) : throw Missing(map, key, path);

        private YamlSequenceNode? OptionalSeq(YamlMappingNode map, string key, string path) =>
            Get(map, key) is { } n && !IsNull(n) ? Seq(n, Join(path, key)) : null;

        private string RequiredString(YamlMappingNode map, string key, string path)
        {
            var n = Get(map, key) ?? throw Missing(map, key, path);
            if (n is not YamlScalarNode s || s.Value is null || (s.Value.Length == 0 && s.Style == YamlDotNet.Core.ScalarStyle.Plain))
                throw Error("expected a string", n, Join(path, key));
            _where[Join(path, key)] = n;
            return s.Value;
        }

        private int? OptionalInt(YamlMappingNode map, string key, string path)
        {
            var n = Get(map, key);
            if (n is null || IsNull(n)) return null;
            _where[Join(path, key)] = n;
            if (n is YamlScalarNode { Style: ScalarStyle.Plain } s && int.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v)) return v;
            throw Error($"expected an integer, not {Show(n)}", n, Join(path, key));
        }

        private bool? OptionalBool(YamlMappingNode map, string key, string path)
        {
            var n = Get(map, key);
            if (n is null || IsNull(n)) return null;
            if (n is YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" }) return true;
            if (n is YamlScalarNode { Style: ScalarStyle.Plain, Value: "false" }) return false;
            throw Error($"expected true or false, not {Show(n)}", n, Join(path, key));
        }

        private List<string> RequiredStrings(YamlMappingNode map, string key, string path)
        {
            var n = Get(map, key) ?? throw Missing(map, key, path);
            var list = Strings(n, Join(path, key));
            if (list.Count == 0) throw Error("must not be empty", n, Join(path, key));
            return list;
        }

        private List<string> OptionalStrings(YamlMappingNode map, string key, string path)
        {
            var n = Get(map, key);
            return n is null || IsNull(n) ? new List<string>() : Strings(n, Join(path, key));
        }

        private List<string> Strings(YamlNode node, string path)
        {
            var seq = Seq(node, path);
            var list = new List<string>(seq.Children.Count);
            for (int i = 0; i < seq.Children.Count; i++)
            {
                if (seq.Children[i] is not YamlScalarNode { Value: not null } s) throw Error("expected a string", seq.Children[i], $"{path}[{i}]");
                list.Add(s.Value);
            }
            return list;
        }

        private InputException Missing(YamlMappingNode map, string key, string path) =>
            Error($"missing required field \"{key}\"", map, Join(path, key));

        private static bool IsNull(YamlNode n) => n is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" };

        private static string Show(YamlNode n) => n is YamlScalarNode s ? $"\"{s.Value}\"" : n is YamlSequenceNode ? "a list" : "a mapping";

        private InputException Error(string message, YamlNode at, string field) =>
            new(message, _file, (int)at.Start.Line, (int)at.Start.Column, field.Length == 0 ? null : field);

        private static string Join(string path, string key) => path.Length == 0 ? key : key.Length == 0 ? path : path + "." + key;
    }
}
