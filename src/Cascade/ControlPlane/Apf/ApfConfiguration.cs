using System.Security.Cryptography;
using System.Text;

namespace Cascade.ControlPlane.Apf;

// Stands for: the digested APF configuration of one API server — what apf_controller.go's cfgMeal builds
// from the FlowSchema and PriorityLevelConfiguration objects (digestNewPLsLocked, digestFlowSchemasLocked,
// imaginePL for missing mandatory levels, finishQueueSetReconfigsLocked for the concurrency limits), plus
// request classification (startRequest's FlowSchema loop, computeFlowDistinguisher, hashFlowID) and the
// matching rules of match.go. Source: kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/util/flowcontrol.
// Keeps: mandatory objects always present, dangling FlowSchemas ignored, order by (matchingPrecedence,
// name), catch-all fallback, SHA-256 flow hash. Leaves out: live reconfiguration (a configuration is fixed
// for a run), quiescing of removed levels, and FlowSchema status writes.

public sealed class ApfConfiguration
{
    // apf_controller.go priorityLevelMaxSeatsPercent: docs/sources.md §2.2 max seats = ceil(0.15 × NominalCL) ...
    private const double PriorityLevelMaxSeatsFraction = 0.15;

    private readonly PriorityLevelConfiguration[] _levels;
    private readonly FlowSchema[] _schemas;
    private readonly int[] _schemaLevel;          // FlowSchema index -> priority level index
    private readonly int _catchAllSchema;
    private readonly Dictionary<string, int> _levelIndex;

    private ApfConfiguration(PriorityLevelConfiguration[] levels, FlowSchema[] schemas, IReadOnlyList<string> ignored)
    {
        _levels = levels;
        _schemas = schemas;
        IgnoredFlowSchemas = ignored;
        _levelIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < levels.Length; i++) _levelIndex[levels[i].Name] = i;
        _schemaLevel = new int[schemas.Length];
        _catchAllSchema = -1;
        for (int i = 0; i < schemas.Length; i++)
        {
            _schemaLevel[i] = _levelIndex[schemas[i].PriorityLevelName];
            if (schemas[i].Name == ApfDefaults.CatchAll) _catchAllSchema = i;
        }
    }

    /// <summary>The bootstrap configuration: mandatory and suggested objects (docs/sources.md §2.2–2.3).</summary>
    public static ApfConfiguration Default { get; } = From(ApfObjects.Empty, keepDefaults: true);

    /// <summary>Index = the priority level number used by <see cref="Classification"/> and <see cref="ApfDispatcher"/>.</summary>
    public IReadOnlyList<PriorityLevelConfiguration> PriorityLevels => _levels;

    /// <summary>In matching order: by matchingPrecedence, then name.</summary>
    public IReadOnlyList<FlowSchema> FlowSchemas => _schemas;

    /// <summary>
    /// FlowSchemas left out because their priority level does not exist — upstream marks them Dangling
    /// and ignores them; a caller may warn about them. Each entry: "name: reason".
    /// </summary>
    public IReadOnlyList<string> IgnoredFlowSchemas { get; }

    /// <summary>
    /// Builds a configuration from user objects. With <paramref name="keepDefaults"/> the bootstrap objects
    /// stay and a user object replaces the default of the same name; without, only the user's objects are
    /// used. Either way the mandatory exempt and catch-all levels and FlowSchemas exist, as in the API server.
    /// </summary>
    public static ApfConfiguration From(ApfObjects objects, bool keepDefaults)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var levels = new List<PriorityLevelConfiguration>(keepDefaults ? ApfDefaults.PriorityLevels : Array.Empty<PriorityLevelConfiguration>());
        var seenLevels = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pl in objects.PriorityLevels)
        {
            Validate(pl);
            if (!seenLevels.Add(pl.Name)) throw new InputException($"two PriorityLevelConfigurations are named \"{pl.Name}\"", field: "metadata.name");
            int at = levels.FindIndex(x => x.Name == pl.Name);
            if (at >= 0) levels[at] = pl; else levels.Add(pl);
        }
        // apf_controller.go lockAndDigestConfigObjects: imagine the mandatory levels when absent.
        if (!levels.Exists(x => x.Name == ApfDefaults.Exempt)) levels.Insert(0, ApfDefaults.MandatoryExemptLevel);
        if (!levels.Exists(x => x.Name == ApfDefaults.CatchAll)) levels.Add(ApfDefaults.MandatoryCatchAllLevel);

        var schemas = new List<FlowSchema>(keepDefaults ? ApfDefaults.FlowSchemas : Array.Empty<FlowSchema>());
        var seenSchemas = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fs in objects.FlowSchemas)
        {
            Validate(fs);
            if (!seenSchemas.Add(fs.Name)) throw new InputException($"two FlowSchemas are named \"{fs.Name}\"", field: "metadata.name");
            int at = schemas.FindIndex(x => x.Name == fs.Name);
            if (at >= 0) schemas[at] = fs; else schemas.Add(fs);
        }

        // digestFlowSchemasLocked: drop dangling schemas, sort, then supply missing mandatory schemas in place.
        var ignored = new List<string>();
        var kept = new List<FlowSchema>();
        foreach (var fs in schemas)
        {
            if (levels.Exists(x => x.Name == fs.PriorityLevelName)) kept.Add(fs);
            else ignored.Add($"{fs.Name}: priority level \"{fs.PriorityLevelName}\" does not exist");
        }
        kept.Sort(CompareForMatching);
        if (!kept.Exists(x => x.Name == ApfDefaults.Exempt)) kept.Insert(0, ApfDefaults.MandatoryExemptSchema);
        if (!kept.Exists(x => x.Name == ApfDefaults.CatchAll)) kept.Add(ApfDefaults.MandatoryCatchAllSchema);

        return new ApfConfiguration(levels.ToArray(), kept.ToArray(), ignored);
    }

    public int PriorityLevelIndex(string name) =>
        _levelIndex.TryGetValue(name, out int i) ? i : throw new KeyNotFoundException($"no priority level named \"{name}\"");

    public int FlowSchemaIndex(string name)
    {
        for (int i = 0; i < _schemas.Length; i++) if (_schemas[i].Name == name) return i;
        throw new KeyNotFoundException($"no FlowSchema named \"{name}\"");
    }

    /// <summary>
    /// The first FlowSchema (in matching order) that matches, its priority level, and the flow hash of
    /// (schema name, distinguisher). Callers cache the result per call template; this walks the schemas.
    /// <paramref name="flowHashes"/>, if given, keeps the hashes already computed, by (FlowSchema index, distinguisher):
    /// SHA-256 through the platform's crypto costs microseconds, and a cluster defines each node identity's calls several
    /// times (lease, status, registration, its informer's list and watch). The caller owns it (one per cluster: this
    /// configuration is shared by the fleet's threads and stays immutable).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public Classification Classify(in RequestDigest request, Dictionary<(int Schema, string Distinguisher), ulong>? flowHashes = null)
    {
        int selected = -1;
        for (int i = 0; i < _schemas.Length; i++)
        {
            if (Matches(request, _schemas[i])) { selected = i; break; }
        }
        // startRequest: an unmatched request (no authenticated/unauthenticated group) falls back to catch-all.
        if (selected < 0) selected = _catchAllSchema;
        var fs = _schemas[selected];
        int pl = _schemaLevel[selected];
        var level = _levels[pl];
        ulong hash = 0;
        if (level.HasQueues && level.Queues > 1)
        {
            string distinguisher = fs.Distinguisher switch
            {
                FlowDistinguisherMethod.ByUser => request.User,
                FlowDistinguisherMethod.ByNamespace => request.Namespace ?? "",
                _ => "",
            };
            if (flowHashes is null) hash = HashFlowId(fs.Name, distinguisher);
            else if (!flowHashes.TryGetValue((selected, distinguisher), out hash))
                flowHashes[(selected, distinguisher)] = hash = HashFlowId(fs.Name, distinguisher);
        }
        // A flow's hand never changes: dealt here once, not on every request (QueueSet.ShuffleShard).
        ulong hand = level.HasQueues && level.Queues > 1 ? ShuffleShardDealer.Pack(hash, level.Queues, level.HandSize) : 0;
        return new Classification(pl, selected, hash, level.IsExempt) { Hand = hand };
    }

    /// <summary>
    /// hashFlowID: the first 8 bytes, little-endian, of SHA-256(schema name, 0x00, distinguisher).
    /// </summary>
    public static ulong HashFlowId(string flowSchemaName, string distinguisher)
    {
        int n = Encoding.UTF8.GetByteCount(flowSchemaName) + 1 + Encoding.UTF8.GetByteCount(distinguisher);
        byte[]? rented = null;
        Span<byte> buffer = n <= 512 ? stackalloc byte[n] : (rented = new byte[n]);
        int w = Encoding.UTF8.GetBytes(flowSchemaName, buffer);
        buffer[w++] = 0;
        Encoding.UTF8.GetBytes(distinguisher, buffer[w..]);
        Span<byte> sum = stackalloc byte[32];
        SHA256.HashData(buffer[..n], sum);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(sum);
    }

    /// <summary>
    /// The concurrency limits the server's seats give each level (finishQueueSetReconfigsLocked):
    /// NominalCL = ceil(serverCL × NCS / ΣNCS), LendableCL = round(NominalCL × lendable%),
    /// MinCL = NominalCL − LendableCL, MaxCL = NominalCL + round(NominalCL × borrowingLimit%) (serverCL when
    /// unlimited), and the per-request seat cap max(1, min(ceil(0.15 × NominalCL), NominalCL / handSize))
    /// clamped to the work estimator's maximum of 10 (docs/sources.md §2.2).
    /// </summary>
    public PriorityLevelLimits[] Limits(int serverConcurrencyLimit)
    {
        if (serverConcurrencyLimit <= 0) throw new ArgumentOutOfRangeException(nameof(serverConcurrencyLimit), serverConcurrencyLimit, "must be positive");
        double shareSum = 0;
        foreach (var pl in _levels) shareSum += pl.NominalConcurrencyShares;
        var limits = new PriorityLevelLimits[_levels.Length];
        for (int i = 0; i < _levels.Length; i++)
        {
            var pl = _levels[i];
            int nominal = shareSum > 0 ? (int)Math.Ceiling(serverConcurrencyLimit * (double)pl.NominalConcurrencyShares / shareSum) : 0;
            int lendable = RoundHalfAway(nominal * (double)pl.LendablePercent / 100);
            int borrowing = pl.BorrowingLimitPercent is int b ? RoundHalfAway(nominal * (double)b / 100) : serverConcurrencyLimit;
            int maxSeats = WorkEstimator.MaximumSeats;
            if (pl.HasQueues)
            {
                int tracked = (int)Math.Max(1, Math.Min(Math.Ceiling(nominal * PriorityLevelMaxSeatsFraction), nominal / pl.HandSize));
                maxSeats = Math.Min(tracked, WorkEstimator.MaximumSeats);
            }
            limits[i] = new PriorityLevelLimits(nominal, lendable, nominal - lendable, nominal + borrowing, maxSeats);
        }
        return limits;
    }

    /// <summary>Go's math.Round: halves away from zero (not .NET's default banker's rounding).</summary>
    internal static int RoundHalfAway(double x) => (int)Math.Round(x, MidpointRounding.AwayFromZero);

    private static int CompareForMatching(FlowSchema a, FlowSchema b)
    {
        int c = a.MatchingPrecedence.CompareTo(b.MatchingPrecedence);
        return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
    }

    // ---- match.go ----

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool Matches(in RequestDigest rd, FlowSchema fs)
    {
        foreach (var rule in fs.Rules)
        {
            if (!MatchesASubject(rd, rule.Subjects)) continue;
            if (rd.IsResourceRequest)
            {
                foreach (var rr in rule.ResourceRules) if (MatchesResourceRule(rd, rr)) return true;
            }
            else
            {
                foreach (var nr in rule.NonResourceRules) if (MatchesNonResourceRule(rd, nr)) return true;
            }
        }
        return false;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool MatchesASubject(in RequestDigest rd, List<Subject> subjects)
    {
        foreach (var s in subjects)
        {
            switch (s.Kind)
            {
                case SubjectKind.User:
                    if (s.Name == "*" || s.Name == rd.User) return true;
                    break;
                case SubjectKind.Group:
                    if (s.Name == "*") return true;
                    if (rd.Groups is not null)
                        for (int i = 0; i < rd.Groups.Count; i++) if (rd.Groups[i] == s.Name) return true;
                    break;
                case SubjectKind.ServiceAccount:
                    if (ServiceAccountMatches(s.Namespace ?? "", s.Name, rd.User)) return true;
                    break;
            }
        }
        return false;
    }

    /// <summary>serviceaccount.MatchesUsername / serviceAccountMatchesNamespace on "system:serviceaccount:NS:NAME".</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool ServiceAccountMatches(string ns, string name, string user)
    {
        const string prefix = "system:serviceaccount:";
        if (!user.StartsWith(prefix, StringComparison.Ordinal)) return false;
        var rest = user.AsSpan(prefix.Length);
        if (!rest.StartsWith(ns, StringComparison.Ordinal)) return false;
        rest = rest[ns.Length..];
        if (rest.Length == 0 || rest[0] != ':') return false;
        return name == "*" || rest[1..].SequenceEqual(name);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool MatchesResourceRule(in RequestDigest rd, ResourcePolicyRule rule)
    {
        if (!ContainsOrWildcard(rule.Verbs, rd.Verb, "*")) return false;
        if (!ContainsOrWildcard(rule.Resources, rd.Resource, "*")) return false;
        if (!ContainsOrWildcard(rule.ApiGroups, rd.ApiGroup, "*")) return false;
        if (string.IsNullOrEmpty(rd.Namespace)) return rule.ClusterScope;
        return ContainsOrWildcard(rule.Namespaces, rd.Namespace, "*");
    }

    private static bool MatchesNonResourceRule(in RequestDigest rd, NonResourcePolicyRule rule)
    {
        if (!ContainsOrWildcard(rule.Verbs, rd.Verb, "*")) return false;
        string path = rd.Path ?? "";
        foreach (var rulePath in rule.NonResourceUrls)
        {
            if (rulePath == "*" || rulePath == path) return true;
            // match.go: "/healthz/*" and "/healthz" both cover "/healthz/etcd".
            string prefix = rulePath.EndsWith('*') ? rulePath[..^1] : rulePath;
            if (!prefix.EndsWith('/')) prefix += "/";
            if (path.StartsWith(prefix, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>containsString: the wildcard counts only as the list's sole member (validation ensures that).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool ContainsOrWildcard(List<string> list, string x, string wildcard)
    {
        if (list.Count == 1 && list[0] == wildcard) return true;
        foreach (var y in list) if (y == x) return true;
        return false;
    }

    // ---- validation (the checks queueSetCompleterForPL and the shuffle-sharding dealer make) ----

    internal static void Validate(PriorityLevelConfiguration pl)
    {
        string where = $"PriorityLevelConfiguration \"{pl.Name}\": ";
        if (string.IsNullOrEmpty(pl.Name)) throw new InputException("a PriorityLevelConfiguration has no name", field: "metadata.name");
        if ((pl.Type == PriorityLevelType.Exempt) != (pl.Name == ApfDefaults.Exempt))
            throw new InputException(where + "only the level named \"exempt\" may be, and it must be, of type Exempt", field: "spec.type");
        if (pl.NominalConcurrencyShares < 0) throw new InputException(where + "nominalConcurrencyShares must not be negative", field: "spec.limited.nominalConcurrencyShares");
        if (pl.LendablePercent is < 0 or > 100) throw new InputException(where + "lendablePercent must be between 0 and 100", field: "spec.limited.lendablePercent");
        if (pl.BorrowingLimitPercent is < 0) throw new InputException(where + "borrowingLimitPercent must not be negative", field: "spec.limited.borrowingLimitPercent");
        if (!pl.HasQueues) return;
        const string q = "spec.limited.limitResponse.queuing.";
        if (pl.Queues <= 0) throw new InputException(where + "queues must be positive", field: q + "queues");
        if (pl.QueueLengthLimit <= 0) throw new InputException(where + "queueLengthLimit must be positive", field: q + "queueLengthLimit");
        if (!ShuffleShardDealer.ValidParameters(pl.Queues, pl.HandSize))
            throw new InputException(where + $"handSize {pl.HandSize} with {pl.Queues} queues is not a valid shuffle-sharding deal (need 1 ≤ handSize ≤ queues and log2(queues) × handSize ≤ 60)", field: q + "handSize");
    }

    internal static void Validate(FlowSchema fs)
    {
        if (string.IsNullOrEmpty(fs.Name)) throw new InputException("a FlowSchema has no name", field: "metadata.name");
        string where = $"FlowSchema \"{fs.Name}\": ";
        if (string.IsNullOrEmpty(fs.PriorityLevelName)) throw new InputException(where + "no priority level", field: "spec.priorityLevelConfiguration.name");
        if (fs.MatchingPrecedence is < 1 or > 10000) throw new InputException(where + "matchingPrecedence must be between 1 and 10000", field: "spec.matchingPrecedence");
    }
}

/// <summary>One priority level's concurrency limits, in seats, for a given server concurrency limit.</summary>
public readonly record struct PriorityLevelLimits(int NominalCL, int LendableCL, int MinCL, int MaxCL, int MaxSeatsPerRequest);
