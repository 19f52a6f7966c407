// Each test class starts its own server and browser; on two cores, one at a time is faster and never starved.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
