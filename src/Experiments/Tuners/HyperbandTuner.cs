namespace MLNet.Extensions.Experiments;

/// <summary>
/// Hyperband: brackets of successive halving that trade many short starts against few long ones, from the most
/// aggressive bracket (many configurations at <c>minEpochs</c>) to plain full training of a few.
/// </summary>
public sealed class HyperbandTuner : IResumingTuner
{
    private readonly int _minEpochs;
    private readonly int _maxEpochs;
    private readonly double _reduction;
    private readonly List<SuccessiveHalvingTuner> _brackets = [];
    private int _current;
    private SearchSpace _space = new();
    private int _seed;

    /// <summary>Epochs range from <paramref name="minEpochs"/> to <paramref name="maxEpochs"/>, multiplied by <paramref name="reduction"/> per rung.</summary>
    public HyperbandTuner(int minEpochs, int maxEpochs, double reduction = 3)
    {
        if (minEpochs < 1 || maxEpochs < minEpochs)
            throw new ArgumentOutOfRangeException(nameof(minEpochs), minEpochs, $"Expected 1 <= minEpochs <= maxEpochs ({maxEpochs}).");
        if (!(reduction > 1))
            throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "The reduction factor must be greater than 1.");
        _minEpochs = minEpochs;
        _maxEpochs = maxEpochs;
        _reduction = reduction;
    }

    /// <inheritdoc />
    public int MaxEpochs => _maxEpochs;

    /// <inheritdoc />
    public void Initialize(SearchSpace space, int seed)
    {
        _space = space;
        _seed = seed;
        _brackets.Clear();
        int sMax = (int)Math.Floor(Math.Log(_maxEpochs / (double)_minEpochs, _reduction) + 1e-9);
        int firstId = 0;
        for (int s = sMax; s >= 0; s--)
        {
            int n = (int)Math.Ceiling((sMax + 1) / (double)(s + 1) * Math.Pow(_reduction, s));
            int epochs = Math.Max(_minEpochs, (int)Math.Round(_maxEpochs / Math.Pow(_reduction, s)));
            _brackets.Add(new SuccessiveHalvingTuner(n, epochs, _maxEpochs, _reduction, firstId));
            firstId += n;
        }
        _current = 0;
        _brackets[0].Initialize(space, seed);
    }

    /// <inheritdoc />
    public bool MayContinue(int trialId) => _current < _brackets.Count && _brackets[_current].MayContinue(trialId);

    /// <inheritdoc />
    public TrialProposal? Propose()
    {
        while (_current < _brackets.Count)
        {
            if (_brackets[_current].Propose() is { } proposal)
                return proposal;
            if (!_brackets[_current].IsFinished)
                return null;
            _current++;
            if (_current < _brackets.Count)
                _brackets[_current].Initialize(_space, _seed + _current);
        }
        return null;
    }

    /// <inheritdoc />
    public void Report(TrialOutcome outcome)
    {
        if (_current < _brackets.Count)
            _brackets[_current].Report(outcome);
    }
}
