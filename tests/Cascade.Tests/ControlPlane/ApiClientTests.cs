using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Tests.ControlPlane;

/// <summary>client-go's token bucket (flowcontrol.NewTokenBucketRateLimiter): a full bucket at the start, refilled at QPS, and a wait for a token in debt.</summary>
public class ApiClientTests
{
    [Fact]
    public void A_client_waits_for_its_token_exactly_as_long_as_the_refill_takes()
    {
        var client = new ApiClient(0, qps: 2, burst: 1, timeoutTicks: 0, maxRetries: 0);
        Assert.Equal(0, client.ReserveToken(0));                                   // the bucket starts full
        Assert.Equal(SimTime.FromMilliseconds(500), client.ReserveToken(0));        // one token in debt at 2 QPS
        // A quarter of a second later half a token has come back: 1.5 tokens in debt after this one.
        Assert.Equal(SimTime.FromMilliseconds(750), client.ReserveToken(SimTime.FromMilliseconds(250)));
        // Long after, the bucket is full again, never fuller than its burst.
        Assert.Equal(0, client.ReserveToken(SimTime.FromSeconds(100)));
        Assert.Equal(SimTime.FromMilliseconds(500), client.ReserveToken(SimTime.FromSeconds(100)));
    }

    [Fact]
    public void An_unlimited_client_never_waits()
    {
        var client = new ApiClient(0, double.PositiveInfinity, 1, 0, 0);
        for (int i = 0; i < 100; i++) Assert.Equal(0, client.ReserveToken(0));
    }
}
