using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Experiments;

/// <summary>Runs one experiment: asks the tuner, trains and scores trials under the budgets, keeps the leaderboard.</summary>
internal sealed class ExperimentRunner : IDisposable
{
    private readonly ExperimentSetup _setup;
    private readonly IExperimentMonitor? _monitor;
    private readonly CancellationToken _userToken;
    private readonly CancellationTokenSource _budget = new();
    private readonly IChannel _channel;
    private readonly Dictionary<int, TrialState> _states = [];
    private readonly Stopwatch _clock = new();
    private readonly ExperimentCheckpoint? _checkpoint;
    private TrialResult? _best;

    public ExperimentRunner(MLContext mlContext, ExperimentSetup setup, IExperimentMonitor? monitor, CancellationToken userToken)
    {
        _setup = setup;
        _monitor = monitor;
        _userToken = userToken;
        _channel = ((IHostEnvironment)mlContext).Register("Experiment").Start("Experiment");
        if (setup.CheckpointFolder is not null)
            _checkpoint = new ExperimentCheckpoint(setup.CheckpointFolder,
                $"seed {setup.Seed}; task {setup.Task}; metric {setup.Metric.Name}; tuner {setup.Tuner.GetType().Name}; folds {setup.Splits.Count}; space {setup.Space}");
    }

    public ExperimentResult Run()
    {
        ITuner tuner = _setup.Tuner;
        tuner.Initialize(_setup.Space, _setup.Seed);
        _clock.Start();
        if (_setup.TimeBudget is { } budget)
            _budget.CancelAfter(budget);
        Replay(tuner);

        string stopReason = "the tuner finished";
        while (true)
        {
            if (_userToken.IsCancellationRequested)
            {
                stopReason = "cancelled";
                break;
            }
            if (_budget.IsCancellationRequested)
            {
                stopReason = "the time budget ended";
                break;
            }
            TrialProposal? proposal = tuner.Propose();
            if (proposal is null)
                break;
            bool isNew = !_states.ContainsKey(proposal.TrialId);
            if (isNew && _setup.MaxTrials is { } max && _states.Count >= max)
            {
                stopReason = "the trial budget was spent";
                break;
            }
            TrialState state = isNew ? NewState(proposal) : _states[proposal.TrialId];
            _states[proposal.TrialId] = state;
            _monitor?.ReportRunningTrial(proposal, state.Candidate.Name);
            Log($"Trial {proposal.TrialId} {state.Candidate.Name} [{ExperimentResult.Describe(proposal.Parameters)}]"
                + (proposal.Epochs is { } e ? $" to {e} epochs" : ""));

            TrialResult result = RunTrial(state, proposal, out bool stop);
            Record(tuner, state, proposal, result);
            if (stop)
            {
                stopReason = _userToken.IsCancellationRequested ? "cancelled" : "the time budget ended";
                break;
            }
        }
        _clock.Stop();
        return Finish(stopReason);
    }

    private TrialState NewState(TrialProposal proposal)
    {
        ParameterValue trainer = proposal.Parameters.Values.First(v => v.Key == Experiment.TrainerParameter);
        ExperimentCandidate candidate = _setup.Candidates[(int)trainer.Raw];
        return new TrialState(proposal.TrialId, candidate, proposal.Parameters, _setup.Splits.Count);
    }

    private void Record(ITuner tuner, TrialState state, TrialProposal proposal, TrialResult result)
    {
        state.Result = result;
        Log(result.ToString());
        if (result.Status == TrialStatus.Completed)
            _monitor?.ReportCompletedTrial(result);
        else
            _monitor?.ReportFailedTrial(result);
        // A continued trial replaces its earlier score, which may lower it: the best is recomputed over every trial.
        TrialResult? best = CurrentBest();
        if (best is not null && (_best is null || best.TrialId != _best.TrialId || best.Metric != _best.Metric))
        {
            _best = best;
            _monitor?.ReportBestTrial(best);
        }
        _checkpoint?.Append(new ExperimentCheckpoint.Record(result.TrialId, proposal.Epochs, proposal.Parameters.ToString(), result.Status,
            result.Metric, result.MetricStandardDeviation, result.Epochs, result.EpochsSpent, result.Duration.TotalSeconds,
            result.PeakMemoryBytes, result.Exception?.Message));
        tuner.Report(new TrialOutcome(proposal, result.Status == TrialStatus.Completed ? _setup.Metric.ToScore(result.Metric!.Value) : null));
        if (tuner is not IResumingTuner resuming || !resuming.MayContinue(state.Id))
            state.Release();
    }

    private TrialResult? CurrentBest() => _states.Values.Select(s => s.Result).Where(r => r?.Metric is not null)
        .OrderByDescending(r => _setup.Metric.ToScore(r!.Metric!.Value)).ThenBy(r => r!.TrialId).FirstOrDefault();

    /// <summary>Feeds the checkpoint's journal to the tuner, which must propose the same trials again.</summary>
    private void Replay(ITuner tuner)
    {
        if (_checkpoint is null)
            return;
        foreach (var record in _checkpoint.Records)
        {
            TrialProposal proposal = tuner.Propose()
                ?? throw new InvalidOperationException("The checkpoint holds more trials than the tuner proposes; was the experiment changed?");
            if (proposal.TrialId != record.TrialId || proposal.Epochs != record.TargetEpochs || proposal.Parameters.ToString() != record.Parameters)
                throw new InvalidOperationException(
                    $"The checkpoint's trial {record.TrialId} [{record.Parameters}] does not match the tuner's proposal {proposal.TrialId} [{proposal.Parameters}]; was the experiment changed?");
            if (!_states.TryGetValue(proposal.TrialId, out TrialState? state))
                _states[proposal.TrialId] = state = NewState(proposal);
            var result = new TrialResult
            {
                TrialId = record.TrialId, Candidate = state.Candidate.Name, Parameters = proposal.Parameters, Metric = record.Metric,
                MetricStandardDeviation = record.MetricSd, Status = record.Status, Epochs = record.Epochs, EpochsSpent = record.EpochsSpent,
                Duration = TimeSpan.FromSeconds(record.Seconds), PeakMemoryBytes = record.PeakMemoryBytes,
                Exception = record.Error is null ? null : new InvalidOperationException(record.Error),
            };
            state.Result = result;
            _best = CurrentBest();
            tuner.Report(new TrialOutcome(proposal, result.Status == TrialStatus.Completed ? _setup.Metric.ToScore(result.Metric!.Value) : null));
        }
        if (_checkpoint.Records.Count > 0)
            Log($"Resumed {_checkpoint.Records.Count} trial runs from the checkpoint.");
    }

    private TrialResult RunTrial(TrialState state, TrialProposal proposal, out bool stopExperiment)
    {
        stopExperiment = false;
        TrialResult? previous = state.Result;
        var watch = Stopwatch.StartNew();
        long peak = GC.GetTotalMemory(false);
        using var sampler = new Timer(_ => Interlocked.Exchange(ref peak, Math.Max(Interlocked.Read(ref peak), GC.GetTotalMemory(false))), null, 0, 50);
        using var trialCancel = CancellationTokenSource.CreateLinkedTokenSource(_userToken, _budget.Token);
        if (_setup.TrialTimeLimit is { } limit)
            trialCancel.CancelAfter(limit);
        int spent = 0;
        TrialResult Result(TrialStatus status, double? metric, double sd, int? epochs, Exception? exception) => new()
        {
            TrialId = state.Id,
            Candidate = state.Candidate.Name,
            Parameters = state.Parameters,
            Metric = metric,
            MetricStandardDeviation = sd,
            Status = status,
            Exception = exception,
            Epochs = epochs,
            EpochsSpent = (previous?.EpochsSpent ?? 0) + spent,
            Duration = (previous?.Duration ?? TimeSpan.Zero) + watch.Elapsed,
            PeakMemoryBytes = Math.Max(previous?.PeakMemoryBytes ?? 0, Interlocked.Read(ref peak)),
        };
        try
        {
            var (mean, sd, epochs) = TrainAndScore(state, proposal, trialCancel.Token, ref spent);
            return Result(TrialStatus.Completed, mean, sd, epochs, null);
        }
        catch (Exception ex) when (trialCancel.IsCancellationRequested)
        {
            // The weights are part-way through an epoch; the trial keeps the score of its last completed run.
            state.Release();
            stopExperiment = _userToken.IsCancellationRequested || _budget.IsCancellationRequested;
            return Result(stopExperiment ? TrialStatus.Cancelled : TrialStatus.TimedOut, previous?.Metric, previous?.MetricStandardDeviation ?? 0,
                previous?.Epochs, ex);
        }
        catch (Exception ex) when (!_setup.StopOnFirstFailure)
        {
            state.Release();
            return Result(TrialStatus.Failed, null, 0, null, ex);
        }
    }

    private (double Mean, double Sd, int? Epochs) TrainAndScore(TrialState state, TrialProposal proposal, CancellationToken token, ref int spent)
    {
        int seed = unchecked(_setup.Seed * 7919 + state.Id * 104729 + 17);
        int? maxEpochs = _setup.Tuner is IResumingTuner resuming ? resuming.MaxEpochs : null;
        state.Context ??= new TrialContext(new MLContext(seed), state.Parameters, seed, Environment.ProcessorCount, maxEpochs);
        TrialContext context = state.Context;
        state.Trainer ??= state.Candidate.Trainer(context);
        var values = new List<double>();
        var models = new ITransformer[_setup.Splits.Count];
        int? epochs = null;
        for (int fold = 0; fold < _setup.Splits.Count; fold++)
        {
            token.ThrowIfCancellationRequested();
            var (train, validation) = _setup.Splits[fold];
            ITransformer featurizer = state.Featurizers[fold] ??= Featurizer(state.Candidate, context).Fit(train);
            IDataView features = featurizer.Transform(train);
            ITransformer model;
            if (state.Trainer is IResumableNetworkTrainer network)
            {
                INetworkTrainingSession session = state.Sessions[fold] ??= network.StartSession(features);
                int target = proposal.Epochs ?? network.Options.Epochs;
                int more = target - session.EpochsCompleted;
                if (more > 0 || state.Models[fold] is null)
                {
                    more = Math.Max(1, more);
                    model = session.Train(more, token);
                    spent += more;
                }
                else
                {
                    model = state.Models[fold]!;
                }
                epochs = session.EpochsCompleted;
            }
            else
            {
                model = state.Models[fold] ?? FitStock(state.Trainer, features, context.MLContext, token);
            }
            models[fold] = model;
            ITransformer full = featurizer.Append(model);
            IDataView scored = full.Transform(validation);
            double value = _setup.Metric.Compute(new MetricContext(context.MLContext, full, train, validation, scored, _setup.LabelColumn), _setup.Task);
            if (!double.IsFinite(value))
                throw new InvalidOperationException($"Metric {_setup.Metric.Name} is {value} on fold {fold + 1}.");
            values.Add(value);
        }
        // Only a fully scored run replaces the models, so a cancelled continuation leaves the last scored ones in place.
        models.CopyTo(state.Models, 0);
        double mean = values.Average();
        double sd = values.Count < 2 ? 0 : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return (mean, sd, epochs);
    }

    private IEstimator<ITransformer> Featurizer(ExperimentCandidate candidate, TrialContext context)
    {
        IEstimator<ITransformer> chain = new EstimatorChain<ITransformer>();
        if (_setup.Featurizer is not null)
            chain = chain.Append(_setup.Featurizer(context.MLContext));
        if (candidate.Featurizer is not null)
            chain = chain.Append(candidate.Featurizer(context));
        return chain;
    }

    /// <summary>Fits a stock estimator on a worker so that cancellation returns at once (and asks ML.NET's trainer to stop).</summary>
    private static ITransformer FitStock(IEstimator<ITransformer> estimator, IDataView data, MLContext mlContext, CancellationToken token)
    {
        var fit = Task.Run(() => estimator.Fit(data), CancellationToken.None);
        try
        {
            fit.Wait(token);
        }
        catch (OperationCanceledException)
        {
            StockTrainerCancellation.TryCancel(mlContext);
            fit.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
            throw;
        }
        catch (AggregateException)
        {
        }
        return fit.GetAwaiter().GetResult();
    }

    private ExperimentResult Finish(string stopReason)
    {
        var trials = _states.Values.Select(s => s.Result).OfType<TrialResult>().ToList();
        var leaderboard = trials.Where(t => t.Metric is not null)
            .OrderByDescending(t => _setup.Metric.ToScore(t.Metric!.Value)).ThenBy(t => t.TrialId)
            .Concat(trials.Where(t => t.Metric is null).OrderBy(t => t.TrialId)).ToList();
        TrialResult best = leaderboard.FirstOrDefault(t => t.Metric is not null)
            ?? throw new ExperimentFailedException($"No trial completed successfully ({stopReason}).", trials.OrderBy(t => t.TrialId).ToList());
        TrialState state = _states[best.TrialId];
        int epochsSpent = trials.Sum(t => t.EpochsSpent);
        ITransformer model = _setup.FinalModel == FinalModel.Refit && !_userToken.IsCancellationRequested
            ? Refit(state, best)
            : Trained(state, best);
        Log($"Best: {best}; stopped because {stopReason}; {epochsSpent} epochs over {trials.Count} trials.");
        return new ExperimentResult(leaderboard, best, model, _setup.InputSchema, _setup.Metric, stopReason, epochsSpent, _clock.Elapsed);
    }

    private ITransformer Trained(TrialState state, TrialResult best)
    {
        if (state.Models[0] is null || state.Featurizers[0] is null)
        {
            // Replayed from a checkpoint: train it again (the same seed gives the same model).
            int spent = 0;
            TrainAndScore(state, new TrialProposal(state.Id, state.Parameters, best.Epochs), CancellationToken.None, ref spent);
        }
        return state.Featurizers[0]!.Append(state.Models[0]!);
    }

    private ITransformer Refit(TrialState state, TrialResult best)
    {
        TrialContext context = state.Context! with { MLContext = new MLContext(state.Context!.Seed) };
        ITransformer featurizer = Featurizer(state.Candidate, context).Fit(_setup.AllData);
        IDataView features = featurizer.Transform(_setup.AllData);
        IEstimator<ITransformer> trainer = state.Candidate.Trainer(context);
        ITransformer model = trainer is IResumableNetworkTrainer network
            ? network.StartSession(features).Train(best.Epochs ?? network.Options.Epochs)
            : trainer.Fit(features);
        Log($"Refit trial {state.Id} on all the data.");
        return featurizer.Append(model);
    }

    private void Log(string message) => _channel.Info(MessageSensitivity.None, message);

    public void Dispose()
    {
        _budget.Dispose();
        _channel.Dispose();
    }
}
