using System.Collections;
using System.Reflection;
using YamlDotNet.RepresentationModel;

namespace Cascade.Scenarios.Binding;

/// <summary>
/// Reads a schema class graph into <see cref="TypeShape"/>s. The whole graph is read the first time a
/// root type is used, so a property of a type the binder cannot fill fails every load of that schema
/// (an <see cref="InvalidOperationException"/>: a bug in the schema, not a user mistake), not only the
/// loads whose files happen to use it.
/// </summary>
internal static class Schema
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<Type, TypeShape> Objects = [];

    public static TypeShape For(Type type)
    {
        lock (Gate)
        {
            if (Objects.TryGetValue(type, out var known)) return known;
            // Built aside and published only when complete, so a failure leaves no half-read shapes.
            var pending = new Dictionary<Type, TypeShape>();
            var shape = ObjectShape(type, pending, type.Name);
            foreach (var (t, s) in pending) Objects[t] = s;
            return shape;
        }
    }

    private static TypeShape ObjectShape(Type type, Dictionary<Type, TypeShape> pending, string where)
    {
        if (Objects.TryGetValue(type, out var known) || pending.TryGetValue(type, out known)) return known;
        if (!type.IsClass || type.IsAbstract || type.GetConstructor(Type.EmptyTypes) is null)
            throw new InvalidOperationException($"{where}: {type} must be a class with a public parameterless constructor to be bound from YAML");

        var shape = new TypeShape(type, ShapeKind.Object);
        pending[type] = shape;
        var nullability = new NullabilityInfoContext();
        foreach (var info in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            // Get-only and computed properties are not part of the file format.
            if (info.GetIndexParameters().Length > 0 || info.SetMethod is not { IsPublic: true } || info.GetMethod is not { IsPublic: true }) continue;
            var name = info.GetCustomAttribute<YamlNameAttribute>()?.Name ?? Naming.CamelCase(info.Name);
            var at = $"{type.Name}.{info.Name}";
            var slot = SlotFor(info.PropertyType, nullability.Create(info), pending, at, writeState: true);
            var property = new PropertyShape(info, name, slot, info.IsDefined(typeof(RequiredAttribute)), info.GetCustomAttribute<RangeAttribute>(),
                info.IsDefined(typeof(ZeroAllowedAttribute)));
            if (property.ZeroAllowed && slot.Shape.Kind != ShapeKind.Duration)
                throw new InvalidOperationException($"{at}: [ZeroAllowed] applies to Duration, not {info.PropertyType}");
            if (property.Range is not null && !IsRangeable(slot.Shape.Kind))
                throw new InvalidOperationException($"{at}: [Range] applies to numbers, Duration and Quantity, not {info.PropertyType}");
            if (!shape.ByYamlName.TryAdd(name, property))
                throw new InvalidOperationException($"{at}: two properties of {type.Name} are both named '{name}' in YAML");
            shape.Properties.Add(property);
        }
        foreach (var oneOf in type.GetCustomAttributes<OneOfAttribute>())
        {
            shape.OneOf.Add(oneOf.PropertyNames.Select(n => shape.Properties.FirstOrDefault(p => p.Info.Name == n)
                ?? throw new InvalidOperationException($"{type.Name}: [OneOf] names '{n}', which is not a bindable property")).ToArray());
        }
        return shape;
    }

    private static Slot SlotFor(Type type, NullabilityInfo nullability, Dictionary<Type, TypeShape> pending, string at, bool writeState = false)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
            return new Slot(ShapeFor(underlying, nullability, pending, at), true);
        var state = writeState ? nullability.WriteState : nullability.ReadState;
        // Unknown means nullable-oblivious code; do not refuse a null the code never ruled out.
        bool nullable = !type.IsValueType && state != NullabilityState.NotNull;
        return new Slot(ShapeFor(type, nullability, pending, at), nullable);
    }

    private static TypeShape ShapeFor(Type type, NullabilityInfo nullability, Dictionary<Type, TypeShape> pending, string at)
    {
        if (type == typeof(string)) return new(type, ShapeKind.String);
        if (type == typeof(bool)) return new(type, ShapeKind.Bool);
        if (type == typeof(int)) return new(type, ShapeKind.Int32);
        if (type == typeof(long)) return new(type, ShapeKind.Int64);
        if (type == typeof(double)) return new(type, ShapeKind.Double);
        if (type == typeof(Duration)) return new(type, ShapeKind.Duration);
        if (type == typeof(Quantity)) return new(type, ShapeKind.Quantity);
        if (typeof(YamlNode).IsAssignableFrom(type)) return new(type, ShapeKind.Node);
        if (type.IsEnum)
            return new(type, ShapeKind.Enum) { EnumNames = Enum.GetNames(type).Select(Naming.CamelCase).ToArray() };

        if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            var args = type.GetGenericArguments();
            if (definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(IReadOnlyList<>))
            {
                var element = SlotFor(args[0], nullability.GenericTypeArguments[0], pending, at + "[]");
                return new(type, ShapeKind.List) { Element = element, Concrete = typeof(List<>).MakeGenericType(args) };
            }
            if (args.Length == 2 && args[0] == typeof(string)
                && (definition == typeof(Dictionary<,>) || definition == typeof(OrderedDictionary<,>)
                    || definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>)))
            {
                var value = SlotFor(args[1], nullability.GenericTypeArguments[1], pending, at + "[]");
                // Interfaces get the ordered kind: the file's order is kept by contract, not by accident.
                var concrete = definition == typeof(Dictionary<,>) ? type : typeof(OrderedDictionary<,>).MakeGenericType(args);
                return new(type, ShapeKind.Map) { Element = value, Concrete = concrete };
            }
        }
        if (type.IsClass && type != typeof(object) && !typeof(IEnumerable).IsAssignableFrom(type))
            return ObjectShape(type, pending, at);
        throw new InvalidOperationException(
            $"{at}: YamlBinder cannot bind {type}; use string, bool, int, long, double, an enum, Duration, Quantity, " +
            "a class, List<T>, Dictionary<string, T>, OrderedDictionary<string, T> or YamlNode");
    }

    private static bool IsRangeable(ShapeKind kind) =>
        kind is ShapeKind.Int32 or ShapeKind.Int64 or ShapeKind.Double or ShapeKind.Duration or ShapeKind.Quantity;
}
