namespace MLNet.Extensions.Experiments;

/// <summary>Draws every configuration uniformly (in each domain's unit scale); the first trial uses the defaults.</summary>
public sealed class RandomSearchTuner : ITuner
{
    private SearchSpace _space = new();
    private Random _random = new(0);
    private int _next;

    /// <inheritdoc />
    public void Initialize(SearchSpace space, int seed)
    {
        _space = space;
        _random = new Random(seed);
        _next = 0;
    }

    /// <inheritdoc />
    public TrialProposal? Propose()
    {
        Parameters parameters = _next == 0 ? _space.Default() : _space.Sample(_random);
        return new TrialProposal(_next++, parameters);
    }

    /// <inheritdoc />
    public void Report(TrialOutcome outcome)
    {
    }
}
