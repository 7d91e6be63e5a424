using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Cascade.Scenarios.Binding;

/// <summary>Parsing YAML text into a node tree, with every syntax error given a position.</summary>
internal static class YamlText
{
    public static bool TryLoad(string text, out YamlStream stream, out string error, out Mark at)
    {
        stream = new YamlStream();
        error = "";
        at = Mark.Empty;
        var scanner = new Scanner(new StringReader(text));
        try
        {
            stream.Load(new Parser(scanner));
            return true;
        }
        catch (YamlException e)
        {
            (error, at) = (e.Message, e.Start);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet 16.3's scanner throws this, unlocated, on "[a, b" followed by a "key: value"
            // line; where it stopped is the best position there is.
            (error, at) = ("invalid YAML here (is a '[' or '{' above left unclosed?)", scanner.CurrentPosition);
        }
        return false;
    }
}
