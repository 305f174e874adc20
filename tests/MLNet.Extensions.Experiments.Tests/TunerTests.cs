namespace MLNet.Extensions.Experiments.Tests;

/// <summary>Each tuner on cheap synthetic objectives with a known optimum.</summary>
public class TunerTests
{
    /// <summary>Optimum at LearningRate = 10^-2.5, X = 0.3, Kind = "b" (score 0); everything else is worse.</summary>
    private static SearchSpace Space() => new SearchSpace()
        .AddRange("LearningRate", 1e-5, 1e-1, logScale: true)
        .AddRange("X", 0, 1)
        .AddChoice("Kind", "a", "b", "c");

    private static double Objective(Parameters p) =>
        -Math.Pow(Math.Log10(p.Get<double>("LearningRate")) + 2.5, 2) - 4 * Math.Pow(p.Get<double>("X") - 0.3, 2)
        - (p.Get<string>("Kind") == "b" ? 0 : 0.5);

    private static double BestOf(ITuner tuner, int trials, int seed)
    {
        tuner.Initialize(Space(), seed);
        double best = double.NegativeInfinity;
        for (int i = 0; i < trials; i++)
        {
            TrialProposal proposal = tuner.Propose()!;
            double score = Objective(proposal.Parameters);
            best = Math.Max(best, score);
            tuner.Report(new TrialOutcome(proposal, score));
        }
        return best;
    }

    [Fact]
    public void RandomSearchFindsTheOptimumRegion()
    {
        // 300 uniform draws: the best lies within 0.1 of the optimum's score for every seed tried (worst seen -0.04).
        for (int seed = 1; seed <= 5; seed++)
            Assert.True(BestOf(new RandomSearchTuner(), 300, seed) > -0.1);
    }

    [Fact]
    public void GridSearchVisitsEveryPointOnceAndFindsTheBestGridPoint()
    {
        var tuner = new GridSearchTuner(stepsPerRange: 5);
        tuner.Initialize(Space(), 0);
        var seen = new List<Parameters>();
        while (tuner.Propose() is { } p)
        {
            seen.Add(p.Parameters);
            tuner.Report(new TrialOutcome(p, Objective(p.Parameters)));
        }
        Assert.Equal(5 * 5 * 3, seen.Count);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Parameters best = seen.MaxBy(Objective)!;
        // Grid points: log10(lr) in {-5, -4, -3, -2, -1}, X in {0, .25, .5, .75, 1}; the nearest to the optimum win.
        Assert.Equal("b", best.Get<string>("Kind"));
        Assert.Equal(0.25, best.Get<double>("X"), 12);
        Assert.Contains(Math.Round(Math.Log10(best.Get<double>("LearningRate"))), new[] { -3.0, -2.0 });
    }

    [Fact]
    public void TreeParzenBeatsRandomSearchOnAverageOverSeeds()
    {
        // Measured over seeds 1..30 with 30 trials: mean best -0.231 (TPE) vs -0.291 (random), TPE ahead on 21 seeds.
        // The margins below (0.03 on the mean, 18 seeds) are about half of what it achieves.
        const int trials = 30, seeds = 30;
        double tpe = 0, random = 0;
        int tpeWins = 0;
        for (int seed = 1; seed <= seeds; seed++)
        {
            double t = BestOf(new TreeParzenTuner(), trials, seed);
            double r = BestOf(new RandomSearchTuner(), trials, seed);
            tpe += t / seeds;
            random += r / seeds;
            tpeWins += t > r ? 1 : 0;
        }
        Assert.True(tpe > random + 0.03, $"TPE mean best {tpe:F4}, random {random:F4}");
        Assert.True(tpeWins >= 18, $"TPE won {tpeWins} of {seeds} seeds (mean best {tpe:F4} vs {random:F4})");
    }

    [Fact]
    public void SuccessiveHalvingSpendsFewEpochsAndKeepsTheBestConfigurations()
    {
        // A learning curve: quality(p) reached after e epochs as 1 - exp(-e / 4); continuing a trial costs only the new epochs.
        var tuner = new SuccessiveHalvingTuner(configurations: 27, minEpochs: 1, maxEpochs: 27, reduction: 3);
        tuner.Initialize(Space(), 5);
        var epochsSoFar = new Dictionary<int, int>();
        var quality = new Dictionary<int, double>();
        int spent = 0;
        TrialProposal? last = null;
        while (tuner.Propose() is { } p)
        {
            spent += p.Epochs!.Value - epochsSoFar.GetValueOrDefault(p.TrialId);
            epochsSoFar[p.TrialId] = p.Epochs.Value;
            quality[p.TrialId] = Objective(p.Parameters);
            double curve = 1 - Math.Exp(-p.Epochs.Value / 4.0);
            tuner.Report(new TrialOutcome(p, 10 + quality[p.TrialId] * curve - 10 * (1 - curve)));
            last = p;
        }
        Assert.True(tuner.IsFinished);
        // Rungs 27x1, 9x3, 3x9, 1x27 epochs reached: 27 + 9*2 + 3*6 + 1*18 = 81, against 27*27 = 729 for full training.
        Assert.Equal(81, spent);
        Assert.Equal(27, last!.Epochs);
        var ranked = quality.OrderByDescending(q => q.Value).Select(q => q.Key).ToList();
        Assert.Contains(last.TrialId, ranked.Take(3));
    }

    [Fact]
    public void HyperbandRunsEveryBracketWithDistinctTrials()
    {
        var tuner = new HyperbandTuner(minEpochs: 1, maxEpochs: 9, reduction: 3);
        tuner.Initialize(Space(), 2);
        var starts = new Dictionary<int, int>();
        var finals = new HashSet<int>();
        while (tuner.Propose() is { } p)
        {
            starts.TryAdd(p.TrialId, p.Epochs!.Value);
            if (p.Epochs == 9)
                finals.Add(p.TrialId);
            tuner.Report(new TrialOutcome(p, Objective(p.Parameters)));
        }
        // Brackets s = 2, 1, 0: 9 trials from 1 epoch, 5 from 3 epochs (ceil(3/2*3)), 3 from 9 epochs.
        Assert.Equal(9 + 5 + 3, starts.Count);
        Assert.Equal(9, starts.Values.Count(e => e == 1));
        Assert.Equal(5, starts.Values.Count(e => e == 3));
        Assert.Equal(3, starts.Values.Count(e => e == 9));
        Assert.Equal(1 + 1 + 3, finals.Count);
    }

    [Fact]
    public void SameSeedSameProposals()
    {
        foreach (Func<ITuner> make in new Func<ITuner>[] { () => new RandomSearchTuner(), () => new TreeParzenTuner(startupTrials: 3) })
        {
            string Run()
            {
                ITuner t = make();
                t.Initialize(Space(), 9);
                var log = new List<string>();
                for (int i = 0; i < 12; i++)
                {
                    var p = t.Propose()!;
                    log.Add(p.Parameters.ToString());
                    t.Report(new TrialOutcome(p, Objective(p.Parameters)));
                }
                return string.Join("|", log);
            }
            Assert.Equal(Run(), Run());
        }
    }
}
