using Cascade.Scenarios.Schema;

namespace Cascade.Scenarios.Importers;

/// <summary>
/// What a caller asked, as a scenario's call describes it: one of these per distinct request shape of an
/// identity. The object's name is left out (a GET of each node's own Node is one shape); a
/// `spec.nodeName=X` field selector becomes `spec.nodeName=$(NODE_NAME)`, its X kept as evidence of a per-node caller.
/// </summary>
/// <param name="Resource">With its subresource: `nodes/status`.</param>
/// <param name="Namespace">"" at cluster scope.</param>
/// <param name="ResourceVersion">"0" (any: the watch cache), "" (absent or empty: most recent, a consistent read) or "exact" (a given version).</param>
/// <param name="ResourceVersionMatch">The query's resourceVersionMatch (NotOlderThan, Exact), or "".</param>
/// <param name="Selector">fieldSelector, then labelSelector, joined by a comma: what a scenario's `selector` holds.</param>
public readonly record struct AuditCall(string Verb, string ApiGroup, string Resource, Scope Scope, string Namespace,
    string ResourceVersion, string ResourceVersionMatch, long Limit, string Selector)
{
    public const string NodeNamePlaceholder = "$(NODE_NAME)";

    /// <summary>The call an Event records, and the node its spec.nodeName selector names (or null).</summary>
    public static AuditCall Of(AuditEvent e, out string? selectorNode)
    {
        string rv = "", match = "", field = "", label = "";
        long limit = 0;
        string uri = e.RequestUri ?? "";
        int q = uri.IndexOf('?');
        bool rvGiven = false;
        if (q >= 0)
        {
            foreach (var pair in uri[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = pair.IndexOf('=');
                string key = eq < 0 ? pair : pair[..eq];
                string value = eq < 0 ? "" : Unescape(pair[(eq + 1)..]);
                switch (key)
                {
                    case "resourceVersion": rv = value; rvGiven = true; break;
                    case "resourceVersionMatch": match = value; break;
                    case "limit": long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit); break;
                    case "fieldSelector": field = value; break;
                    case "labelSelector": label = value; break;
                }
            }
        }
        field = NormaliseFieldSelector(field, out selectorNode);
        string rvClass = !rvGiven || rv.Length == 0 ? "" : rv == "0" ? "0" : "exact";
        string resource = (e.Resource ?? "") + (string.IsNullOrEmpty(e.Subresource) ? "" : "/" + e.Subresource);
        var scope = !string.IsNullOrEmpty(e.Name) ? Scope.Object : !string.IsNullOrEmpty(e.Namespace) ? Scope.Namespace : Scope.Cluster;
        string selector = field.Length > 0 && label.Length > 0 ? field + "," + label : field + label;
        return new AuditCall(e.Verb!, e.ApiGroup ?? "", resource, scope, scope == Scope.Cluster ? "" : e.Namespace ?? "",
            rvClass, match, limit, selector);
    }

    /// <summary>Go's url.QueryUnescape: '+' is a space, %XX a byte.</summary>
    private static string Unescape(string s)
    {
        s = s.Replace('+', ' ');
        try
        {
            return Uri.UnescapeDataString(s);
        }
        catch (UriFormatException)
        {
            return s;
        }
    }

    private static string NormaliseFieldSelector(string field, out string? node)
    {
        node = null;
        if (field.Length == 0) return field;
        var terms = field.Split(',');
        for (int i = 0; i < terms.Length; i++)
        {
            foreach (var prefix in new[] { "spec.nodeName==", "spec.nodeName=" })
            {
                if (!terms[i].StartsWith(prefix, StringComparison.Ordinal)) continue;
                node = terms[i][prefix.Length..];
                terms[i] = "spec.nodeName=" + NodeNamePlaceholder;
                break;
            }
        }
        return string.Join(',', terms);
    }

    /// <summary>Ordinal order over every field, for output that does not depend on the order calls were met.</summary>
    public static int Compare(AuditCall a, AuditCall b)
    {
        int c = string.CompareOrdinal(a.Resource, b.Resource);
        if (c == 0) c = string.CompareOrdinal(a.ApiGroup, b.ApiGroup);
        if (c == 0) c = string.CompareOrdinal(a.Verb, b.Verb);
        if (c == 0) c = a.Scope.CompareTo(b.Scope);
        if (c == 0) c = string.CompareOrdinal(a.Namespace, b.Namespace);
        if (c == 0) c = string.CompareOrdinal(a.ResourceVersion, b.ResourceVersion);
        if (c == 0) c = string.CompareOrdinal(a.ResourceVersionMatch, b.ResourceVersionMatch);
        if (c == 0) c = a.Limit.CompareTo(b.Limit);
        if (c == 0) c = string.CompareOrdinal(a.Selector, b.Selector);
        return c;
    }
}
