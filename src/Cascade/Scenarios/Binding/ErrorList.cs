using System.Text;

namespace Cascade.Scenarios.Binding;

/// <summary>
/// Mistakes found while binding, kept so a user fixes them all in one pass rather than one per run.
/// They leave as one <see cref="InputException"/>: its location and field are the first mistake's,
/// and its message is the first's followed by one line per further mistake in the same
/// "file:line:col: field: message" form, so <see cref="InputException.Describe"/> prints one line each.
/// </summary>
internal sealed class ErrorList
{
    // Past this many, more lines bury the first ones rather than help.
    private const int MaxListed = 20;

    private readonly List<InputException> errors = [];

    public int Count => errors.Count;

    public void Add(Location at, string path, string message) =>
        errors.Add(new InputException(message, at.File, at.Line, at.Column, path.Length == 0 ? null : path));

    public void Add(InputException error) => errors.Add(error);

    public void ThrowIfAny()
    {
        if (errors.Count == 0) return;
        var first = errors[0];
        if (errors.Count == 1) throw first;
        var message = new StringBuilder(first.Message);
        for (int i = 1; i < Math.Min(errors.Count, MaxListed); i++) message.Append('\n').Append(errors[i].Describe());
        if (errors.Count > MaxListed) message.Append($"\n... and {errors.Count - MaxListed} more");
        throw new InputException(message.ToString(), first.File, first.Line, first.Column, first.Field);
    }
}
