namespace Cascade.Scenarios.Binding;

/// <summary>
/// A schema object with rules that span fields ("minReplicas ≤ maxReplicas"). The binder calls
/// <see cref="Validate"/> once the whole file bound without errors, children before parents, on every
/// object that came from the file or from --set; objects left at their defaults are not validated.
/// </summary>
public interface IValidatable
{
    void Validate(ValidationContext ctx);
}
