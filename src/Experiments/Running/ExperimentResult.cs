using System.Globalization;
using System.Text;
using Microsoft.ML;

namespace MLNet.Extensions.Experiments;

/// <summary>What an experiment returns: every trial ranked, the best one and its model, ready for <c>mlContext.Model.Save</c>.</summary>
public sealed class ExperimentResult
{
    internal ExperimentResult(IReadOnlyList<TrialResult> leaderboard, TrialResult best, ITransformer bestModel, DataViewSchema inputSchema,
        ExperimentMetric metric, string stopReason, int epochsSpent, TimeSpan duration)
    {
        Leaderboard = leaderboard;
        BestTrial = best;
        BestModel = bestModel;
        InputSchema = inputSchema;
        Metric = metric;
        StopReason = stopReason;
        EpochsSpent = epochsSpent;
        Duration = duration;
    }

    /// <summary>Every trial, best first (trials without a metric last, in id order).</summary>
    public IReadOnlyList<TrialResult> Leaderboard { get; }

    /// <summary>The trial with the best metric.</summary>
    public TrialResult BestTrial { get; }

    /// <summary>The best trial's model (the trained one or a refit, as configured), featurizers included.</summary>
    public ITransformer BestModel { get; }

    /// <summary>The schema of the experiment's input data, for <c>mlContext.Model.Save(BestModel, InputSchema, path)</c>.</summary>
    public DataViewSchema InputSchema { get; }

    /// <summary>The metric the experiment optimized.</summary>
    public ExperimentMetric Metric { get; }

    /// <summary>Why the search ended: the tuner finished, the trial or time budget ran out, or it was cancelled.</summary>
    public string StopReason { get; }

    /// <summary>Epochs run over every trial, rung and fold.</summary>
    public int EpochsSpent { get; }

    /// <summary>Wall time of the search (without the refit).</summary>
    public TimeSpan Duration { get; }

    /// <summary>The leaderboard as a text table: rank, trainer, key parameters, metric, epochs, seconds, status.</summary>
    public string ToTable(int maxRows = int.MaxValue)
    {
        var rows = Leaderboard.Take(maxRows).Select((t, i) => new[]
        {
            (i + 1).ToString(CultureInfo.InvariantCulture), t.Candidate, Describe(t.Parameters),
            t.Metric is { } m ? m.ToString("F4", CultureInfo.InvariantCulture) : "-",
            t.Epochs?.ToString(CultureInfo.InvariantCulture) ?? "-",
            t.Duration.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture),
            t.Status == TrialStatus.Completed ? "" : t.Status.ToString(),
        }).ToList();
        string[] header = ["rank", "trainer", "parameters", Metric.Name, "epochs", "seconds", "status"];
        int[] widths = header.Select((h, c) => Math.Min(c == 2 ? 70 : 40, rows.Select(r => r[c].Length).Append(h.Length).Max())).ToArray();
        var text = new StringBuilder();
        void Line(string[] cells) => text.AppendLine(string.Join("  ", cells.Select((cell, c) =>
            (cell.Length > widths[c] ? cell[..(widths[c] - 1)] + "…" : cell).PadRight(widths[c]))).TrimEnd());
        Line(header);
        Line(widths.Select(w => new string('-', w)).ToArray());
        rows.ForEach(Line);
        return text.ToString();
    }

    /// <summary>The parameters without the trainer choice (the trainer has a column of its own).</summary>
    internal static string Describe(Parameters parameters) =>
        new Parameters(parameters.Values.Where(v => v.Key != Experiment.TrainerParameter)).ToString();
}
