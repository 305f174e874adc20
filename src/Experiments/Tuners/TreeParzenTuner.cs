namespace MLNet.Extensions.Experiments;

/// <summary>
/// A tree-structured Parzen estimator (as in hyperopt): after <c>startupTrials</c> random trials it splits the results into
/// the best fraction <c>gamma</c> and the rest, models each active parameter (by its path key, so nested parameters are
/// modelled only where they exist) with a Parzen density in the unit interval for both groups, draws candidates from the
/// good density and proposes the one with the highest ratio good/bad.
/// </summary>
public sealed class TreeParzenTuner : ITuner
{
    private const int ExplorationEvery = 5;
    private readonly int _startupTrials;
    private readonly double _gamma;
    private readonly int _candidates;
    private readonly List<(Parameters Parameters, double Score)> _history = [];
    private SearchSpace _space = new();
    private Random _random = new(0);
    private int _next;

    /// <summary>Validates the settings.</summary>
    public TreeParzenTuner(int startupTrials = 10, double gamma = 0.25, int candidates = 24)
    {
        if (startupTrials < 1)
            throw new ArgumentOutOfRangeException(nameof(startupTrials), startupTrials, "At least 1 random start is needed.");
        if (!(gamma > 0 && gamma < 1))
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "gamma must be in (0, 1).");
        if (candidates < 1)
            throw new ArgumentOutOfRangeException(nameof(candidates), candidates, "At least 1 candidate per proposal is needed.");
        _startupTrials = startupTrials;
        _gamma = gamma;
        _candidates = candidates;
    }

    /// <inheritdoc />
    public void Initialize(SearchSpace space, int seed)
    {
        _space = space;
        _random = new Random(seed);
        _history.Clear();
        _next = 0;
    }

    /// <inheritdoc />
    public TrialProposal? Propose()
    {
        if (_next == 0)
            return new TrialProposal(_next++, _space.Default());
        // Random starts, then one random proposal in ExplorationEvery keeps the per-parameter densities from locking onto
        // an early choice (the independence TPE assumes between parameters makes that its usual failure).
        if (_history.Count < _startupTrials || _next % ExplorationEvery == 0)
            return new TrialProposal(_next++, _space.Sample(_random));

        var ordered = _history.OrderByDescending(h => h.Score).ToList();
        int goodCount = Math.Max(1, (int)Math.Ceiling(_gamma * ordered.Count));
        var good = Observations(ordered.Take(goodCount));
        var bad = Observations(ordered.Skip(goodCount));

        Parameters? best = null;
        double bestScore = double.NegativeInfinity;
        for (int c = 0; c < _candidates; c++)
        {
            Parameters candidate = _space.Build((key, domain) => domain.FromUnit(Draw(good, key, domain)));
            double score = 0;
            foreach (var (key, domain, unit) in candidate.Units())
                score += Math.Log(Density(good, key, domain, unit)) - Math.Log(Density(bad, key, domain, unit));
            if (score > bestScore)
            {
                bestScore = score;
                best = candidate;
            }
        }
        return new TrialProposal(_next++, best!);
    }

    /// <inheritdoc />
    public void Report(TrialOutcome outcome)
    {
        if (outcome.Score is { } score && double.IsFinite(score))
            _history.Add((outcome.Proposal.Parameters, score));
    }

    private static Dictionary<string, List<double>> Observations(IEnumerable<(Parameters Parameters, double Score)> trials)
    {
        var byKey = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        foreach (var (parameters, _) in trials)
            foreach (var (key, _, unit) in parameters.Units())
            {
                if (!byKey.TryGetValue(key, out var list))
                    byKey[key] = list = [];
                list.Add(unit);
            }
        return byKey;
    }

    /// <summary>A draw from the Parzen mixture: the uniform prior or a Gaussian around one observation (choices: add-one counts).</summary>
    private double Draw(Dictionary<string, List<double>> observations, string key, ParameterDomain domain)
    {
        List<double> points = observations.GetValueOrDefault(key) ?? [];
        if (domain is ChoiceDomain choice)
        {
            // Options in proportion to count + the prior weight, the same smoothing Density uses.
            int k = choice.Options.Count;
            double prior = ChoicePrior(points.Count, k);
            double ticket = _random.NextDouble() * (points.Count + prior * k);
            return ticket < points.Count ? points[(int)ticket] : choice.ToUnit(Math.Min(k - 1, (int)((ticket - points.Count) / prior)));
        }
        int pick = _random.Next(points.Count + 1);
        if (pick == points.Count)
            return _random.NextDouble();
        double h = Bandwidth(points);
        for (int attempt = 0; attempt < 16; attempt++)
        {
            double x = points[pick] + h * Gaussian();
            if (x >= 0 && x <= 1)
                return x;
        }
        return Math.Clamp(points[pick], 0, 1);
    }

    private static double Density(Dictionary<string, List<double>> observations, string key, ParameterDomain domain, double unit)
    {
        List<double> points = observations.GetValueOrDefault(key) ?? [];
        if (domain is ChoiceDomain choice)
        {
            int k = choice.Options.Count;
            int index = (int)choice.FromUnit(unit);
            int count = points.Count(p => (int)choice.FromUnit(p) == index);
            double prior = ChoicePrior(points.Count, k);
            return (count + prior) / (points.Count + prior * k) * k;
        }
        double h = Bandwidth(points);
        double sum = 1.0; // the uniform prior's density on [0, 1]
        foreach (double p in points)
            sum += Math.Exp(-0.5 * Math.Pow((unit - p) / h, 2)) / (h * Math.Sqrt(2 * Math.PI));
        return sum / (points.Count + 1);
    }

    /// <summary>
    /// Pseudo-counts per option: as many as an even share of the observations, so a choice is shifted by evidence but never
    /// locked (a good group that happens to hold one option only would otherwise never try the others).
    /// </summary>
    private static double ChoicePrior(int observations, int options) => Math.Max(1.0, observations / (double)options);

    private static double Bandwidth(List<double> points)
    {
        if (points.Count < 2)
            return 0.25;
        double mean = points.Average();
        double sd = Math.Sqrt(points.Sum(p => (p - mean) * (p - mean)) / (points.Count - 1));
        // Never narrower than 1 / (1 + n) of the unit interval (hyperopt's "magic clip"), or the good density collapses
        // onto the first few good points and the search stops exploring.
        return Math.Clamp(Math.Max(1.06 * sd * Math.Pow(points.Count, -0.2), 1.0 / (1 + points.Count)), 0.01, 0.5);
    }

    private double Gaussian()
    {
        double u1 = 1.0 - _random.NextDouble();
        double u2 = _random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
