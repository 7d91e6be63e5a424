namespace Cascade.ControlPlane;

// Stands for: each client's HTTP/2 connection, as ApiClient describes it (the replica the load balancer gave it,
// and whether a network block drops its packets). Kept for all of a cluster's clients in one array, by client id,
// rather than in each ApiClient: a node's Lease renewal served in closed form reads only this, 8 bytes a client where
// the client object takes two cache lines (docs/model.md, "Closed-form Lease renewals", "What a renewal reads").
// Leaves out nothing ApiClient kept: the same two values, in another place.

/// <summary>The connection state of a cluster's clients, by client id.</summary>
internal sealed class ClientConnections
{
    private struct Connection
    {
        public int Replica;
        public bool Blocked;
    }

    private Connection[] _connections = new Connection[64];
    private int _count;

    /// <summary>A new client's connection: none yet, not blocked. Returns its id.</summary>
    public int Add()
    {
        if (_count == _connections.Length) Array.Resize(ref _connections, _count * 2);
        _connections[_count] = new Connection { Replica = -1 };
        return _count++;
    }

    /// <summary>The replica client <paramref name="id"/>'s connection goes to; -1: none.</summary>
    public int Replica(int id) => _connections[id].Replica;

    public void SetReplica(int id, int replica) => _connections[id].Replica = replica;

    /// <summary>Whether a network block drops client <paramref name="id"/>'s packets.</summary>
    public bool Blocked(int id) => _connections[id].Blocked;

    public void SetBlocked(int id, bool blocked) => _connections[id].Blocked = blocked;
}
