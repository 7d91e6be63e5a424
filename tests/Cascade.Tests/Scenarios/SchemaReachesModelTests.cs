using System.Collections;
using System.Linq.Expressions;
using System.Reflection;
using Cascade.Engine;
using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;
using Cascade.Tests.Preflight;

namespace Cascade.Tests.Scenarios;

/// <summary>
/// Every field of the scenario schema reaches the model: changing it changes the fleet the builder makes (its
/// configuration, components and first events), or the builder rejects the new value (so it read it). A field the
/// builder never reads (a setting documented, bound and silently ignored) fails here by name. Fields that are
/// inputs of something other than the model are listed below with what reads them.
/// </summary>
public class SchemaReachesModelTests
{
    /// <summary>Parts of a scenario that are not model inputs (by their top-level field), and what reads them instead.</summary>
    private static readonly Dictionary<string, string> NotModel = new()
    {
        ["ApiVersion"] = "the loader's check of the document's kind",
        ["Kind"] = "the loader's check of the document's kind",
        ["Metadata"] = "the report's title and description",
        ["Duration"] = "the runner: the horizon",
        ["Seed"] = "the runner: the kernel's seed (--seed)",
        ["Objectives"] = "check, compare and cliff: what a verdict judges",
        ["Replay"] = "replay: the write-up's markers and unknowns",
    };

    /// <summary>Fields read when the file is loaded, not when the model is built: the loader turns them into other fields.</summary>
    private static readonly Dictionary<string, string> ReadByLoader = new()
    {
        ["WorkloadSpec.Manifest"] = "the loader reads the manifest into the workload's identity and placement (tested in Scenarios/Importers)",
        ["WorkloadSpec.Profile"] = "the loader reads the profile into the workload's calls (tested in Scenarios/Importers)",
        // A namespaced call's namespace is read into the request's APF attributes (RequestDigest); it classifies the
        // request only where a FlowSchema's rule names namespaces, which no default schema and no base here does.
        ["CallSpec.Namespace"] = "APF's classification of the request (RequestDigest), where a FlowSchema names namespaces",
        ["InformerSpec.Namespace"] = "APF's classification of the request (RequestDigest), where a FlowSchema names namespaces",
    };

    /// <summary>The bundled scenarios, their sizes cut down so that hundreds of builds stay fast, and a file that exercises the rest.</summary>
    private static readonly (string File, string[] Sets)[] Bases =
    [
        ("openai-2024-12-11.yaml", ["clusters[0].nodes=12", "clusters[1].nodes=14", "clusters[2].nodes=16", "clusters[3].nodes=18"]),
        ("list-storm.yaml", ["cluster.nodes=20"]),
        ("apiserver-restart.yaml", ["cluster.nodes=20"]),
        ("daemonset-restart.yaml", ["cluster.nodes=20"]),
        ("list-storm.yaml", ["cluster.nodes=20", $"cluster.apiServer.apf.file={ApfFile()}"]),
    ];

    private static string ApfFile()
    {
        var path = PreflightFixtures.TempFile("apf.yaml");
        File.WriteAllText(path, Importers.ApfYamlTests.KubectlList);
        return path;
    }

    private static Scenario Load((string File, string[] Sets) b) => ScenarioLoader.LoadFile(PreflightFixtures.Scenario(b.File), b.Sets);

    [Fact]
    public void Every_scenario_field_changes_the_built_model_or_is_named_as_read_elsewhere()
    {
        var present = new SortedSet<string>(StringComparer.Ordinal);
        var reached = new HashSet<string>(StringComparer.Ordinal);
        foreach (var b in Bases)
        {
            string baseline = Fingerprint(Load(b)), scenario = ScenarioFingerprint.Of(Load(b));
            foreach (var leaf in Leaves(Load(b)))
            {
                if (NotModel.ContainsKey(((PropertyInfo)leaf.Path[0]).Name) || ReadByLoader.ContainsKey(leaf.Field)) continue;
                present.Add(leaf.Field);
                if (reached.Contains(leaf.Field)) continue;
                for (int candidate = 0; candidate < Candidates && !reached.Contains(leaf.Field); candidate++)
                {
                    var s = Load(b);
                    if (!Perturb(s, leaf.Path, candidate)) continue;
                    bool changed;
                    try
                    {
                        changed = Fingerprint(s) != baseline;
                    }
                    catch (Exception)
                    {
                        reached.Add(leaf.Field); // rejected by the builder: it read the value
                        continue;
                    }
                    if (!changed) continue;
                    reached.Add(leaf.Field);
                    // compare and sensitivity run two scenarios with one fingerprint once: a field that changes the
                    // model must change the scenario's fingerprint too.
                    Assert.True(ScenarioFingerprint.Of(s) != scenario, $"{leaf.Field} changes the model and not ScenarioFingerprint");
                }
            }
            // The fingerprint must be a function of the model alone: were it to drift (from memory the model never
            // wrote), every field tried after the drift would count as reaching the model without doing so.
            Assert.True(Fingerprint(Load(b)) == baseline, $"{b.File}: the unchanged scenario's fingerprint moved during the test");
        }
        var missed = present.Where(f => !reached.Contains(f)).ToList();
        Assert.True(missed.Count == 0, $"{missed.Count} schema fields change nothing the builder makes: {string.Join(", ", missed)}");
        Assert.True(present.Count > 150, $"only {present.Count} fields were tried");
    }

    // ------------------------------------------------------------------ the schema's leaves

    private sealed record Leaf(string Field, IReadOnlyList<object> Path);

    private static IEnumerable<Leaf> Leaves(Scenario s)
    {
        var found = new List<Leaf>();
        Collect(s, [], found, depth: 0);
        return found;
    }

    private static void Collect(object node, List<object> path, List<Leaf> found, int depth)
    {
        if (depth > 12) return;
        foreach (var p in node.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetMethod is null || p.SetMethod is null || p.GetIndexParameters().Length > 0) continue;
            var field = $"{p.DeclaringType!.Name}.{p.Name}";
            var value = p.GetValue(node);
            var t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            if (IsLeaf(t))
            {
                found.Add(new Leaf(field, [.. path, p]));
                continue;
            }
            if (value is null) continue;
            if (value is IList list)
            {
                if (list.Count > 0 && IsLeaf(list[0]!.GetType())) { found.Add(new Leaf(field, [.. path, p])); continue; }
                for (int i = 0; i < list.Count; i++)
                    if (list[i] is { } item) Collect(item, [.. path, p, i], found, depth + 1);
                continue;
            }
            if (value is IDictionary dict)
            {
                foreach (DictionaryEntry e in dict)
                    if (e.Value is { } item && !IsLeaf(item.GetType())) Collect(item, [.. path, p, e.Key], found, depth + 1);
                continue;
            }
            Collect(value, [.. path, p], found, depth + 1);
        }
    }

    private static bool IsLeaf(Type t) =>
        t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(Duration) || t == typeof(Quantity) || t == typeof(decimal);

    /// <summary>Walks <paramref name="path"/> on <paramref name="s"/> and changes the leaf at its end; false if it cannot.</summary>
    private const int Candidates = 3;

    private static bool Perturb(Scenario s, IReadOnlyList<object> path, int candidate)
    {
        object node = s;
        for (int i = 0; i < path.Count - 1; i++)
        {
            node = path[i] switch
            {
                PropertyInfo p => p.GetValue(node)!,
                int index => ((IList)node)[index]!,
                var key => ((IDictionary)node)[key]!,
            };
        }
        var leaf = (PropertyInfo)path[^1];
        var range = leaf.GetCustomAttribute<RangeAttribute>();
        object? now = leaf.GetValue(node);
        var type = Nullable.GetUnderlyingType(leaf.PropertyType) ?? leaf.PropertyType;
        bool nullable = !leaf.PropertyType.IsValueType || Nullable.GetUnderlyingType(leaf.PropertyType) is not null;
        object? next = candidate switch
        {
            0 => Changed(type, now, range, 0),
            1 => Changed(type, now, range, 1),
            _ => nullable && now is not null ? null : Changed(type, now, range, 2),
        };
        if (candidate < 2 && next is null) return false;
        if (Equals(next, now)) return false;
        leaf.SetValue(node, next);
        return true;
    }

    /// <summary>A value other than <paramref name="v"/> (the <paramref name="k"/>th kind of change), inside the field's range.</summary>
    private static object? Changed(Type t, object? v, RangeAttribute? range, int k)
    {
        double Fit(double x, double old)
        {
            if (range is null || (x >= range.Min && x <= range.Max)) return x;
            foreach (double y in new[] { (range.Min + range.Max) / 2, old * 0.5, range.Min, range.Max })
                if (y >= range.Min && y <= range.Max && y != old) return y;
            return old;
        }
        double Up(double d) => k == 0 ? (d == 0 ? 0.37 : d * 1.37 + (d < 1 ? 0 : 1)) : (d == 0 ? 3 : d * 0.5);
        if (t == typeof(bool)) return k == 0 ? (v is bool b ? !b : true) : false;
        if (t == typeof(int)) return (int)Fit(k == 0 ? (v as int? ?? 0) + 1 : Math.Max(0, (v as int? ?? 4) - 1), v as int? ?? 0);
        if (t == typeof(long)) return (long)Fit(k == 0 ? (v as long? ?? 0) + 1 : Math.Max(0, (v as long? ?? 4) - 1), v as long? ?? 0);
        if (t == typeof(double)) { double d = v as double? ?? 0; return Fit(Up(d), d); }
        if (t == typeof(string))
        {
            string str = v as string ?? "";
            if (str.EndsWith('%')) return k == 0 ? "10%" : "50%";
            if (double.TryParse(str, System.Globalization.CultureInfo.InvariantCulture, out double n)) return (n + 1 + k).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return k == 0 ? str + "x" : (str.Length > 0 ? "" : "0");
        }
        if (t == typeof(Duration)) return v is Duration d2 && d2.Ticks > 0 ? Duration.FromSeconds(k == 0 ? d2.Seconds * 1.37 + 1.3 : d2.Seconds * 0.5) : Duration.FromSeconds(k == 0 ? 17 : 3600);
        if (t == typeof(Quantity)) return v is Quantity q && q.Value > 0 ? new Quantity(k == 0 ? q.Value * 1.37 + 1.3 : q.Value * 0.5) : new Quantity(k == 0 ? 12345 : 1e9);
        if (t.IsEnum)
        {
            var values = Enum.GetValues(t);
            if (values.Length < 2) return null;
            int i = Array.IndexOf(values, v);
            return values.GetValue((i + 1 + k) % values.Length);
        }
        if (typeof(IList).IsAssignableFrom(t))
        {
            if (v is not IList list || list.Count == 0) return null;
            var copy = (IList)Activator.CreateInstance(t)!;
            for (int i = 1; i < list.Count; i++) copy.Add(list[i]); // drop the first
            if (copy.Count == list.Count - 1 && list.Count == 1 && list[0] is string s) copy.Add(s + "x");
            return copy;
        }
        return null;
    }

    // ------------------------------------------------------------------ the built model's fingerprint

    /// <summary>A hash of everything the builder makes: every field of every object reachable from the fleet, after it starts.</summary>
    private static string Fingerprint(Scenario s)
    {
        var sim = new Simulation((ulong)s.Seed);
        var fleet = ScenarioBuilder.BuildFleet(sim, s, new Timeline(), PreflightFixtures.RepoRoot());
        fleet.Start();
        var h = new Hasher();
        h.Walk(fleet);
        return h.Value.ToString("x16");
    }

    /// <summary>
    /// Hashes an object graph by its fields. Arrays of primitives are hashed as their bytes; arrays of structs field by
    /// field, never as raw memory: a struct copied into an array carries its padding bytes, whatever the stack held,
    /// so the same state could hash differently from one build to the next (it did, once the JIT had tiered up, and
    /// every field after that point counted as reaching the model).
    /// </summary>
    private sealed class Hasher
    {
        private readonly HashSet<object> _seen = new(ReferenceEqualityComparer.Instance);
        private readonly Stack<object?> _stack = new();
        private static readonly Dictionary<Type, FieldInfo[]> Fields = new();
        private static readonly Dictionary<Type, Action<Array, Hasher>> StructArrays = new();
        public ulong Value = 14695981039346656037UL;

        public void Add(ulong x) => Value = System.Numerics.BitOperations.RotateLeft((Value ^ x) * 0x9E3779B97F4A7C15UL, 29);

        public void Push(object? o) => _stack.Push(o);

        public void Walk(object? o)
        {
            _stack.Push(o);
            while (_stack.Count > 0)
            {
                var x = _stack.Pop();
                if (x is null) { Add(0); continue; }
                var t = x.GetType();
                switch (x)
                {
                    case string str: Add((ulong)str.GetHashCode(StringComparison.Ordinal) ^ (ulong)str.Length); continue; // stable within one process
                    case double d: Add((ulong)BitConverter.DoubleToInt64Bits(d)); continue;
                    case float f: Add((ulong)BitConverter.SingleToInt32Bits(f)); continue;
                    case bool b: Add(b ? 1UL : 2UL); continue;
                    case Delegate or Type or MemberInfo or Thread or Lock or SemaphoreSlim: continue;
                }
                if (t.IsPrimitive || t.IsEnum) { Add(unchecked((ulong)(x is char c ? c : x is ulong u ? (long)u : Convert.ToInt64(x)))); continue; }
                if (!t.IsValueType && !_seen.Add(x)) { Add(3); continue; }
                if (x is Array a)
                {
                    Add((ulong)a.Length);
                    var element = t.GetElementType()!;
                    if (a.Rank != 1) foreach (var e in a) _stack.Push(e);
                    else if (element.IsPrimitive || element.IsEnum) AddBytes(a, element);
                    else if (element.IsValueType) StructArray(element)(a, this);
                    else foreach (var e in a) _stack.Push(e);
                    continue;
                }
                foreach (var f in FieldsOf(t)) _stack.Push(f.GetValue(x));
            }
        }

        /// <summary>An array of primitives (no padding, no references), hashed as its bytes.</summary>
        private void AddBytes(Array a, Type element)
        {
            int size = element.IsEnum ? System.Runtime.InteropServices.Marshal.SizeOf(Enum.GetUnderlyingType(element))
                : element == typeof(bool) ? 1 : element == typeof(char) ? 2 : System.Runtime.InteropServices.Marshal.SizeOf(element);
            var span = System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(
                ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(a), a.Length * size);
            var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(span);
            foreach (ulong w in words) Add(w);
            for (int i = words.Length * 8; i < span.Length; i++) Add(span[i]);
        }

        /// <summary>A compiled walk over an array of one struct type: its primitive fields added, its references pushed.</summary>
        private static Action<Array, Hasher> StructArray(Type element)
        {
            if (StructArrays.TryGetValue(element, out var cached)) return cached;
            var array = Expression.Parameter(typeof(Array), "array");
            var hasher = Expression.Parameter(typeof(Hasher), "hasher");
            var typed = Expression.Variable(element.MakeArrayType(), "typed");
            var i = Expression.Variable(typeof(int), "i");
            var end = Expression.Label("end");
            var body = new List<Expression>();
            AddFields(Expression.ArrayAccess(typed, i), hasher, body, depth: 0);
            var loop = Expression.Block(
                [typed, i],
                Expression.Assign(typed, Expression.Convert(array, element.MakeArrayType())),
                Expression.Assign(i, Expression.Constant(0)),
                Expression.Loop(
                    Expression.IfThenElse(
                        Expression.LessThan(i, Expression.ArrayLength(typed)),
                        Expression.Block(body.Append(Expression.PostIncrementAssign(i))),
                        Expression.Break(end)),
                    end));
            return StructArrays[element] = Expression.Lambda<Action<Array, Hasher>>(loop, array, hasher).Compile();
        }

        private static void AddFields(Expression value, ParameterExpression hasher, List<Expression> body, int depth)
        {
            var add = typeof(Hasher).GetMethod(nameof(Add))!;
            var push = typeof(Hasher).GetMethod(nameof(Push))!;
            foreach (var f in value.Type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                var ft = f.FieldType;
                if (ft.IsPointer || ft == typeof(IntPtr) || ft == typeof(UIntPtr)) continue;
                var field = Expression.Field(value, f);
                if (ft.IsEnum) body.Add(Expression.Call(hasher, add, Expression.Convert(Expression.Convert(field, Enum.GetUnderlyingType(ft)), typeof(ulong))));
                else if (ft == typeof(double)) body.Add(Expression.Call(hasher, add, Expression.Convert(Expression.Call(typeof(BitConverter).GetMethod(nameof(BitConverter.DoubleToInt64Bits))!, field), typeof(ulong))));
                else if (ft == typeof(float)) body.Add(Expression.Call(hasher, add, Expression.Convert(Expression.Call(typeof(BitConverter).GetMethod(nameof(BitConverter.SingleToInt32Bits))!, field), typeof(ulong))));
                else if (ft == typeof(bool)) body.Add(Expression.Call(hasher, add, Expression.Condition(field, Expression.Constant(1UL), Expression.Constant(2UL))));
                else if (ft.IsPrimitive) body.Add(Expression.Call(hasher, add, Expression.Convert(field, typeof(ulong))));
                else if (ft.IsValueType && depth < 8) AddFields(field, hasher, body, depth + 1);
                else body.Add(Expression.Call(hasher, push, Expression.Convert(field, typeof(object))));
            }
        }

        private static FieldInfo[] FieldsOf(Type t)
        {
            if (Fields.TryGetValue(t, out var cached)) return cached;
            var all = new List<FieldInfo>();
            for (var k = t; k is not null && k != typeof(object); k = k.BaseType)
                all.AddRange(k.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                    .Where(f => !f.FieldType.IsPointer && f.FieldType != typeof(IntPtr)));
            return Fields[t] = all.ToArray();
        }
    }
}
