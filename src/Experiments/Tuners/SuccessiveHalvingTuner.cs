namespace MLNet.Extensions.Experiments;

/// <summary>
/// Successive halving over epochs: start <c>configurations</c> random configurations for <c>minEpochs</c>, keep the best
/// 1/<c>reduction</c> of them, continue the survivors (from their own weights and optimizer state) to
/// <c>minEpochs · reduction</c> epochs, and so on up to <c>maxEpochs</c>. Failed trials never survive; trainers without
/// epochs keep the score of their one fit. The first rung cycles through the options of the space's first choice.
/// </summary>
public sealed class SuccessiveHalvingTuner : IResumingTuner
{
    private readonly int _configurations;
    private readonly int _minEpochs;
    private readonly int _maxEpochs;
    private readonly double _reduction;
    private readonly int _firstTrialId;
    private Random _random = new(0);
    private SearchSpace _space = new();
    private List<TrialProposal> _rung = [];
    private readonly Queue<TrialProposal> _pending = new();
    private readonly Dictionary<int, double?> _scores = [];
    private int _rungEpochs;
    private bool _finished;

    /// <summary>Validates the schedule; <paramref name="firstTrialId"/> lets Hyperband run several brackets with distinct ids.</summary>
    public SuccessiveHalvingTuner(int configurations, int minEpochs, int maxEpochs, double reduction = 3, int firstTrialId = 0)
    {
        if (configurations < 1)
            throw new ArgumentOutOfRangeException(nameof(configurations), configurations, "Successive halving needs at least 1 configuration.");
        if (minEpochs < 1)
            throw new ArgumentOutOfRangeException(nameof(minEpochs), minEpochs, "The first rung needs at least 1 epoch.");
        if (maxEpochs < minEpochs)
            throw new ArgumentOutOfRangeException(nameof(maxEpochs), maxEpochs, $"maxEpochs must be at least minEpochs ({minEpochs}).");
        if (!(reduction > 1))
            throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "The reduction factor must be greater than 1.");
        _configurations = configurations;
        _minEpochs = minEpochs;
        _maxEpochs = maxEpochs;
        _reduction = reduction;
        _firstTrialId = firstTrialId;
    }

    /// <summary>Trial ids this tuner uses: [firstTrialId, firstTrialId + configurations).</summary>
    public int TrialCount => _configurations;

    /// <summary>Whether the last rung has been reported.</summary>
    public bool IsFinished => _finished;

    /// <inheritdoc />
    public int MaxEpochs => _maxEpochs;

    /// <inheritdoc />
    public void Initialize(SearchSpace space, int seed)
    {
        _space = space;
        _random = new Random(seed);
        _rung = [];
        _pending.Clear();
        _scores.Clear();
        _finished = false;
        _rungEpochs = _minEpochs;
        // The first parameter, when it is a choice (the trainer, in an experiment), is spread evenly over its options so that
        // every candidate starts; the rest is drawn at random.
        var first = _space.Parameters.Count > 0 ? _space.Parameters[0] : default;
        for (int i = 0; i < _configurations; i++)
        {
            int option = first.Domain is ChoiceDomain choice ? (_firstTrialId + i) % choice.Options.Count : -1;
            Parameters parameters = _space.Build((key, domain) => option >= 0 && key == first.Name ? option : domain.Sample(_random));
            var proposal = new TrialProposal(_firstTrialId + i, parameters, _rungEpochs);
            _rung.Add(proposal);
            _pending.Enqueue(proposal);
        }
    }

    /// <inheritdoc />
    public bool MayContinue(int trialId) => !_finished && _rungEpochs < _maxEpochs && _rung.Any(p => p.TrialId == trialId);

    /// <inheritdoc />
    public TrialProposal? Propose() => _pending.Count > 0 ? _pending.Dequeue() : null;

    /// <inheritdoc />
    public void Report(TrialOutcome outcome)
    {
        if (!_rung.Any(p => p.TrialId == outcome.Proposal.TrialId && p.Epochs == outcome.Proposal.Epochs))
            return;
        _scores[outcome.Proposal.TrialId] = outcome.Score;
        if (_pending.Count > 0 || _rung.Any(p => !_scores.ContainsKey(p.TrialId)))
            return;

        if (_rungEpochs >= _maxEpochs)
        {
            _finished = true;
            return;
        }
        int keep = Math.Max(1, (int)Math.Floor(_rung.Count / _reduction));
        int nextEpochs = (int)Math.Min(_maxEpochs, Math.Round(_rungEpochs * _reduction));
        var survivors = _rung.Where(p => _scores[p.TrialId] is not null)
            .OrderByDescending(p => _scores[p.TrialId]!.Value).ThenBy(p => p.TrialId).Take(keep)
            .Select(p => p with { Epochs = nextEpochs }).ToList();
        _scores.Clear();
        _rung = survivors;
        _rungEpochs = nextEpochs;
        if (survivors.Count == 0)
        {
            _finished = true;
            return;
        }
        foreach (var p in survivors)
            _pending.Enqueue(p);
    }
}
