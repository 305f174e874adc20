using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Experiments;

/// <summary>
/// An AutoML-style experiment in the spirit of <c>AutoMLExperiment</c>: configure the data, task, metric, candidates,
/// tuner and budget fluently, then <see cref="Run"/>. Trials run one at a time (each already uses every core); the
/// running trial is cancelled within one batch when the budget ends, and the best result so far is returned.
/// </summary>
public sealed class Experiment
{
    /// <summary>The parameter that picks the candidate when several compete.</summary>
    public const string TrainerParameter = "Trainer";

    private readonly MLContext _mlContext;
    private readonly List<ExperimentCandidate> _candidates = [];
    private IDataView? _data, _train, _validation;
    private double _holdoutFraction = 0.2;
    private int _folds;
    private string? _samplingKeyColumn;
    private ExperimentTask? _task;
    private string _labelColumn = "Label";
    private ExperimentMetric? _metric;
    private Func<MLContext, IEstimator<ITransformer>>? _featurizer;
    private ITuner? _tuner;
    private TimeSpan? _timeBudget;
    private int? _maxTrials;
    private TimeSpan? _trialTimeLimit;
    private int _seed;
    private IExperimentMonitor? _monitor;
    private bool _stopOnFirstFailure;
    private FinalModel _finalModel = FinalModel.Trained;
    private string? _checkpointFolder;

    internal Experiment(MLContext mlContext)
    {
        _mlContext = mlContext;
    }

    /// <summary>Trains on <paramref name="train"/> and scores every trial on <paramref name="validation"/>.</summary>
    public Experiment SetDataset(IDataView train, IDataView validation)
    {
        _train = train ?? throw new ArgumentNullException(nameof(train));
        _validation = validation ?? throw new ArgumentNullException(nameof(validation));
        _data = null;
        _folds = 0;
        return this;
    }

    /// <summary>Holds out <paramref name="holdoutFraction"/> of <paramref name="data"/> for scoring (rows sharing <paramref name="samplingKeyColumnName"/> stay together).</summary>
    public Experiment SetDataset(IDataView data, double holdoutFraction = 0.2, string? samplingKeyColumnName = null)
    {
        if (!(holdoutFraction > 0 && holdoutFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(holdoutFraction), holdoutFraction, "The hold-out fraction must be in (0, 1).");
        _data = data ?? throw new ArgumentNullException(nameof(data));
        _holdoutFraction = holdoutFraction;
        _samplingKeyColumn = samplingKeyColumnName;
        _folds = 0;
        _train = _validation = null;
        return this;
    }

    /// <summary>Scores each trial by k-fold cross-validation on <paramref name="data"/> (rows sharing <paramref name="samplingKeyColumnName"/> stay in one fold).</summary>
    public Experiment SetCrossValidation(IDataView data, int folds = 5, string? samplingKeyColumnName = null)
    {
        if (folds < 2)
            throw new ArgumentOutOfRangeException(nameof(folds), folds, "Cross-validation needs at least 2 folds.");
        _data = data ?? throw new ArgumentNullException(nameof(data));
        _folds = folds;
        _samplingKeyColumn = samplingKeyColumnName;
        _train = _validation = null;
        return this;
    }

    /// <summary>The task and the label column the metric reads (after the featurizer).</summary>
    public Experiment SetTask(ExperimentTask task, string labelColumnName = "Label")
    {
        if (!Enum.IsDefined(task))
            throw new ArgumentOutOfRangeException(nameof(task), task, "Unknown task.");
        if (string.IsNullOrWhiteSpace(labelColumnName))
            throw new ArgumentException("The label column needs a name.", nameof(labelColumnName));
        _task = task;
        _labelColumn = labelColumnName;
        return this;
    }

    /// <summary>The metric to optimize; it must fit the task (checked when the experiment runs).</summary>
    public Experiment SetMetric(ExperimentMetric metric)
    {
        _metric = metric ?? throw new ArgumentNullException(nameof(metric));
        return this;
    }

    /// <summary>Preprocessing shared by every candidate (label to key, column copies…), fit on each trial's training split.</summary>
    public Experiment SetFeaturizer(Func<MLContext, IEstimator<ITransformer>> featurizer)
    {
        _featurizer = featurizer ?? throw new ArgumentNullException(nameof(featurizer));
        return this;
    }

    /// <summary>Adds a competing trainer.</summary>
    public Experiment AddCandidate(ExperimentCandidate candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        if (_candidates.Any(c => c.Name == candidate.Name))
            throw new ArgumentException($"A candidate named '{candidate.Name}' was already added.", nameof(candidate));
        _candidates.Add(candidate);
        return this;
    }

    /// <summary>Adds a competing trainer from its name, space and factory.</summary>
    public Experiment AddCandidate(string name, SearchSpace space, Func<TrialContext, IEstimator<ITransformer>> trainer,
        Func<TrialContext, IEstimator<ITransformer>>? featurizer = null) =>
        AddCandidate(new ExperimentCandidate(name, space, trainer, featurizer));

    /// <summary>The tuner; the default is <see cref="TreeParzenTuner"/>.</summary>
    public Experiment SetTuner(ITuner tuner)
    {
        _tuner = tuner ?? throw new ArgumentNullException(nameof(tuner));
        return this;
    }

    /// <summary>Wall-clock budget of the search; the running trial is cancelled within one batch when it ends.</summary>
    public Experiment SetTimeBudget(TimeSpan budget)
    {
        if (budget <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(budget), budget, "The time budget must be positive.");
        _timeBudget = budget;
        return this;
    }

    /// <summary>At most this many distinct trials (continuations of a trial do not count).</summary>
    public Experiment SetMaxTrials(int maxTrials)
    {
        if (maxTrials <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxTrials), maxTrials, "The trial budget must be at least 1.");
        _maxTrials = maxTrials;
        return this;
    }

    /// <summary>A trial running longer is stopped (status TimedOut) and the search goes on.</summary>
    public Experiment SetTrialTimeLimit(TimeSpan limit)
    {
        if (limit <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "The per-trial time limit must be positive.");
        _trialTimeLimit = limit;
        return this;
    }

    /// <summary>Seed of the tuner, the splits and every trial; the same seed gives the same trials and leaderboard.</summary>
    public Experiment SetSeed(int seed)
    {
        _seed = seed;
        return this;
    }

    /// <summary>Receives progress per trial (the ML.NET log receives it too).</summary>
    public Experiment SetMonitor(IExperimentMonitor monitor)
    {
        _monitor = monitor ?? throw new ArgumentNullException(nameof(monitor));
        return this;
    }

    /// <summary>Stop at the first failed trial (rethrowing its exception) instead of recording it and going on.</summary>
    public Experiment SetStopOnFirstFailure(bool stop = true)
    {
        _stopOnFirstFailure = stop;
        return this;
    }

    /// <summary>Whether the result holds the trained model of the best trial or a refit on all the data.</summary>
    public Experiment SetFinalModel(FinalModel finalModel)
    {
        if (!Enum.IsDefined(finalModel))
            throw new ArgumentOutOfRangeException(nameof(finalModel), finalModel, "Unknown final-model choice.");
        _finalModel = finalModel;
        return this;
    }

    /// <summary>Records every finished trial in <paramref name="folder"/>; a later run with the same setup replays them and goes on.</summary>
    public Experiment SetCheckpointFolder(string folder)
    {
        if (string.IsNullOrWhiteSpace(folder))
            throw new ArgumentException("The checkpoint folder needs a path.", nameof(folder));
        _checkpointFolder = folder;
        return this;
    }

    /// <summary>Runs the experiment on a worker thread.</summary>
    public Task<ExperimentResult> RunAsync(CancellationToken cancellationToken = default) =>
        Task.Run(() => Run(cancellationToken), CancellationToken.None);

    /// <summary>
    /// Runs trials until the tuner finishes or a budget ends. Cancelling <paramref name="cancellationToken"/> stops the
    /// running trial within one batch and returns the best result so far.
    /// </summary>
    public ExperimentResult Run(CancellationToken cancellationToken = default)
    {
        var setup = Validate();
        using var runner = new ExperimentRunner(_mlContext, setup, _monitor, cancellationToken);
        return runner.Run();
    }

    private ExperimentSetup Validate()
    {
        if (_candidates.Count == 0)
            throw new InvalidOperationException("Add at least one candidate (AddCandidate) before running the experiment.");
        if (_task is null)
            throw new InvalidOperationException("Set the task and label column (SetTask) before running the experiment.");
        if (_data is null && _train is null)
            throw new InvalidOperationException("Set the data (SetDataset or SetCrossValidation) before running the experiment.");
        if (_timeBudget is null && _maxTrials is null && _tuner is not (IResumingTuner or GridSearchTuner))
            throw new InvalidOperationException("Set a budget (SetTimeBudget or SetMaxTrials): this tuner does not end by itself.");
        ExperimentMetric metric = _metric ?? DefaultMetric(_task.Value);
        if (!metric.Tasks.Contains(_task.Value))
            throw new ArgumentException($"Metric {metric.Name} does not fit task {_task}; it scores {string.Join(", ", metric.Tasks)}.", "metric");

        IDataView schemaSource = _data ?? _train!;
        // The label may be made by the featurizer (MapValueToKey…): fit it on a few rows to see the columns it produces.
        DataViewSchema schema = _featurizer is null
            ? schemaSource.Schema
            : _featurizer(_mlContext).Fit(_mlContext.Data.TakeRows(schemaSource, 500)).GetOutputSchema(schemaSource.Schema);
        if (schema.GetColumnOrNull(_labelColumn) is null)
            throw new ArgumentException(
                $"Label column '{_labelColumn}' is not in the data{(_featurizer is null ? "" : " after the featurizer")}; columns: {string.Join(", ", schema.Select(c => c.Name))}.",
                "labelColumnName");
        if (_samplingKeyColumn is not null && schemaSource.Schema.GetColumnOrNull(_samplingKeyColumn) is null)
            throw new ArgumentException($"Sampling key column '{_samplingKeyColumn}' is not in the data.", "samplingKeyColumnName");

        var space = new SearchSpace().AddChoice(TrainerParameter,
            _candidates.Select(c => new ChoiceOption(c.Name, c.Space.IsEmpty ? null : c.Space)).ToArray());

        var splits = new List<(IDataView Train, IDataView Validation)>();
        if (_train is not null)
            splits.Add((_train, _validation!));
        else if (_folds >= 2)
            splits.AddRange(_mlContext.Data.CrossValidationSplit(_data!, _folds, _samplingKeyColumn, _seed).Select(s => (s.TrainSet, s.TestSet)));
        else
        {
            var split = _mlContext.Data.TrainTestSplit(_data!, _holdoutFraction, _samplingKeyColumn, _seed);
            splits.Add((split.TrainSet, split.TestSet));
        }

        return new ExperimentSetup(_candidates.ToArray(), space, splits, _data ?? _train!, schemaSource.Schema, _task.Value, _labelColumn,
            metric, _featurizer, _tuner ?? new TreeParzenTuner(), _timeBudget, _maxTrials, _trialTimeLimit, _seed, _stopOnFirstFailure,
            _finalModel, _checkpointFolder);
    }

    private static ExperimentMetric DefaultMetric(ExperimentTask task) => task switch
    {
        ExperimentTask.MulticlassClassification => ExperimentMetric.Accuracy,
        ExperimentTask.BinaryClassification => ExperimentMetric.AreaUnderRocCurve,
        _ => ExperimentMetric.RSquared,
    };
}

/// <summary>A validated experiment configuration.</summary>
internal sealed record ExperimentSetup(ExperimentCandidate[] Candidates, SearchSpace Space,
    List<(IDataView Train, IDataView Validation)> Splits, IDataView AllData, DataViewSchema InputSchema, ExperimentTask Task,
    string LabelColumn, ExperimentMetric Metric, Func<MLContext, IEstimator<ITransformer>>? Featurizer, ITuner Tuner,
    TimeSpan? TimeBudget, int? MaxTrials, TimeSpan? TrialTimeLimit, int Seed, bool StopOnFirstFailure, FinalModel FinalModel,
    string? CheckpointFolder);
