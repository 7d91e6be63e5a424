using Cascade.ControlPlane.Apf;

namespace Cascade.Tests.ControlPlane.Apf;

public class WorkEstimatorTests
{
    [Theory]
    [InlineData(50, 1)]
    [InlineData(100, 1)]
    [InlineData(101, 2)]
    [InlineData(900, 9)]
    [InlineData(901, 10)]     // docs/sources.md §2.5: any LIST touching ≥ 901 objects costs 10 seats
    [InlineData(150_000, 10)]
    public void A_list_from_the_watch_cache_costs_a_seat_per_hundred_stored_objects_up_to_ten(long stored, int seats)
    {
        Assert.Equal(seats, WorkEstimator.ForList(stored, servedFromCache: true, hasSelector: false, limit: 0).InitialSeats);
        // The limit does not help a cache LIST: it scans every stored object.
        Assert.Equal(seats, WorkEstimator.ForList(stored, servedFromCache: true, hasSelector: false, limit: 10).InitialSeats);
    }

    [Fact]
    public void A_list_from_etcd_costs_twice_the_page_or_everything_plus_the_page_with_a_selector()
    {
        Assert.Equal(10, WorkEstimator.ForList(100_000, servedFromCache: false, hasSelector: false, limit: 500).InitialSeats);  // 1000 objects
        Assert.Equal(4, WorkEstimator.ForList(100_000, servedFromCache: false, hasSelector: false, limit: 200).InitialSeats);   // 400
        Assert.Equal(10, WorkEstimator.ForList(1_000, servedFromCache: false, hasSelector: true, limit: 10).InitialSeats);      // 1010
        Assert.Equal(3, WorkEstimator.ForList(120, servedFromCache: false, hasSelector: true, limit: 0).InitialSeats);          // 240
    }

    [Fact]
    public void A_write_watched_by_many_holds_final_seats_for_five_ms_each()
    {
        Assert.Equal(new WorkEstimate(1, 0, 0), WorkEstimator.ForMutating(9));
        Assert.Equal(new WorkEstimate(1, 1, 5_000), WorkEstimator.ForMutating(10));
        Assert.Equal(new WorkEstimate(1, 4, 5_000), WorkEstimator.ForMutating(31));
        // 5,000 watchers: 500 final seats × 5 ms reshaped to 10 seats × 250 ms.
        Assert.Equal(new WorkEstimate(1, 10, 250_000), WorkEstimator.ForMutating(5_000));
    }

    [Fact]
    public void A_watch_with_initial_events_is_priced_as_a_cache_list_and_a_get_as_one_seat()
    {
        Assert.Equal(WorkEstimator.ForList(5_000, true, false, 0), WorkEstimator.ForWatchInit(5_000));
        Assert.Equal(new WorkEstimate(1, 0, 0), WorkEstimator.ForGet());
    }

    [Theory]
    [InlineData("0", 0, false, false, true)]       // informers' first LIST: from the cache
    [InlineData("0", 500, false, false, true)]     // RV=0 ignores the limit and is served from the cache
    [InlineData("", 0, false, false, false)]       // consistent read: etcd ...
    [InlineData("", 0, false, true, true)]         // ... unless consistent reads from cache are on (1.31+)
    [InlineData("", 500, true, true, false)]       // a continue token always goes to etcd
    [InlineData("12345", 500, false, true, false)] // limit with an exact resourceVersion: etcd
    [InlineData("12345", 0, false, false, true)]   // a version without a limit is "not older than": the cache
    public void Lists_are_served_from_the_cache_or_etcd_by_the_delegator_rules(string rv, long limit, bool hasContinue, bool consistentFromCache, bool fromCache)
    {
        Assert.Equal(fromCache, WorkEstimator.ListServedFromCache(rv, limit, hasContinue, consistentFromCache));
    }
}
