namespace Cascade.Fleet;

/// <summary>Cluster names or shell-style globs (`prod-*`, `*-large-?`) as rollouts and playbooks name them.</summary>
public static class ClusterPattern
{
    public static bool Matches(IReadOnlyList<string> patterns, string name)
    {
        foreach (var p in patterns) if (Glob(p, 0, name, 0)) return true;
        return false;
    }

    private static bool Glob(string p, int i, string s, int j)
    {
        while (i < p.Length)
        {
            char c = p[i];
            if (c == '*')
            {
                for (int k = j; k <= s.Length; k++) if (Glob(p, i + 1, s, k)) return true;
                return false;
            }
            if (j >= s.Length || (c != '?' && c != s[j])) return false;
            i++;
            j++;
        }
        return j == s.Length;
    }
}
