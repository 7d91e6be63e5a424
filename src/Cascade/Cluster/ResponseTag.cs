namespace Cascade.Cluster;

/// <summary>
/// The 64-bit tag a data-plane controller gives a request so that its answer finds its way back without
/// an allocation: bits 0–31 an index (pod or node), bits 32–39 the request's kind, bits 40–63 an extra
/// value (a node, or a pod's incarnation).
/// </summary>
internal static class ResponseTag
{
    public static long Make(long kind, int index, long extra = 0) => (extra << 40) | (kind << 32) | (uint)index;

    public static long Kind(long tag) => (tag >> 32) & 0xFF;

    public static int Index(long tag) => (int)(tag & 0xFFFFFFFF);

    public static int Extra(long tag) => (int)(tag >> 40);
}
