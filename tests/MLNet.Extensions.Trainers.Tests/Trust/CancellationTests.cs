using Microsoft.ML;
using MLNet.Extensions.Kernels;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Forecasting;
using MLNet.Extensions.Trainers.Training;
using MLNet.Extensions.Transforms.Sequences;

namespace MLNet.Extensions.Trainers.Tests.Trust;

/// <summary>
/// Fit, Fit with validation, CrossValidate, the forecaster and our scoring cursors stop with an
/// <see cref="OperationCanceledException"/> when the options' token or ML.NET's <c>CancelExecution</c> asks, and the
/// next Fit on the same (uncancelled) context works.
/// </summary>
public sealed class CancellationTests
{
    private static CnnOptions LongCnn(CancellationToken token = default) =>
        TinyModels.CnnOptions() with { Epochs = 30, CancellationToken = token };

    [Fact]
    public void ATokenCancelledAfterTwoEpochsStopsFitAndTheNextFitOnTheContextWorks()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = TinyModels.ImageData(ml, 60, 1);
        int threads = KernelSettings.ThreadCount;
        using var source = new CancellationTokenSource();
        int epochs = 0;
        var trainer = ml.MulticlassClassification.Trainers.Cnn(LongCnn(source.Token), p =>
        {
            epochs = p.Epoch;
            if (p.Epoch == 2)
                source.Cancel();
        });
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(data));
        Assert.Equal(2, epochs);
        Assert.Equal(threads, KernelSettings.ThreadCount);

        var model = ml.MulticlassClassification.Trainers.Cnn(TinyModels.CnnOptions()).Fit(data);
        Assert.Equal(2, model.Model.TrainingHistory.Count);
    }

    [Fact]
    public void MLNetsCancelExecutionStopsFitWithAValidationSet()
    {
        var ml = new MLContext(seed: 1);
        IDataView train = TinyModels.ImageData(ml, 60, 1), validation = TinyModels.ImageData(ml, 20, 2);
        int epochs = 0;
        var trainer = ml.MulticlassClassification.Trainers.Cnn(LongCnn(), p =>
        {
            epochs = p.Epoch;
            if (p.Epoch == 2)
                CancelExecution(ml);
        });
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(train, validation));
        Assert.Equal(2, epochs);
    }

    [Fact]
    public void CancellingDuringAnEpochStopsBeforeItEnds()
    {
        var ml = new MLContext(seed: 1);
        using var source = new CancellationTokenSource();
        TinyImage[] rows = TinyModels.Images(60, 1);
        int passes = 0;
        IEnumerable<TinyImage> Rows()
        {
            // The first pass is Fit's validation of every row; the second is the first epoch, cancelled at row 20.
            passes++;
            for (int i = 0; i < rows.Length; i++)
            {
                if (passes == 2 && i == 20)
                    source.Cancel();
                yield return rows[i];
            }
        }
        int epochs = 0;
        // Streamed (no in-memory copy), so that the second pass over the view is the first epoch.
        var trainer = ml.MulticlassClassification.Trainers.Cnn(LongCnn(source.Token) with { BatchSize = 8, InMemoryDataLimitBytes = 0 },
            p => epochs = p.Epoch);
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(ml.Data.LoadFromEnumerable(Rows())));
        Assert.Equal(0, epochs);
    }

    [Fact]
    public void CancellingDuringAnEpochOfDataHeldInMemoryStopsBeforeItEnds()
    {
        var ml = new MLContext(seed: 1);
        using var source = new CancellationTokenSource();
        int epochs = 0, batches = 0;
        // 60 rows in batches of 8: cancelled after batch 2 of 8, the loop's check before batch 3 stops it.
        var trainer = ml.MulticlassClassification.Trainers.Cnn(LongCnn(source.Token) with
        {
            BatchSize = 8,
            BatchProgress = b =>
            {
                batches = b.Batch;
                if (b.Batch == 2)
                    source.Cancel();
            },
        }, p => epochs = p.Epoch);
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(TinyModels.ImageData(ml, 60, 1)));
        Assert.Equal(0, epochs);
        Assert.Equal(2, batches);
    }

    [Fact]
    public void CancelExecutionStopsCrossValidationOverOurTrainer()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = TinyModels.ImageData(ml, 60, 1);
        int epochs = 0;
        var trainer = ml.MulticlassClassification.Trainers.Cnn(LongCnn(), p =>
        {
            Interlocked.Increment(ref epochs);
            CancelExecution(ml);
        });
        Exception e = Assert.ThrowsAny<Exception>(() => ml.MulticlassClassification.CrossValidate(data, trainer, numberOfFolds: 2));
        Assert.True(IsCancellation(e), e.ToString());
        // Each fold stops after the epoch that cancelled (folds may run in parallel).
        Assert.InRange(epochs, 1, 2);
    }

    [Fact]
    public void TheForecasterStopsOnItsTokenAndOnCancelExecution()
    {
        var ml = new MLContext(seed: 1);
        IDataView series = TinyModels.SeriesData(ml, 60);
        using var source = new CancellationTokenSource();
        int epochs = 0;
        var options = TinyModels.ForecastOptions() with { Epochs = 50, CancellationToken = source.Token };
        var estimator = ml.Forecasting.ForecastByLstm(options, p =>
        {
            epochs = p.Epoch;
            source.Cancel();
        });
        Assert.ThrowsAny<OperationCanceledException>(() => estimator.Fit(series));
        Assert.Equal(1, epochs);
        Assert.Equal(2, ml.Forecasting.ForecastByLstm(TinyModels.ForecastOptions()).Fit(series).TrainingHistory.Count);

        var other = new MLContext(seed: 1);
        var cancelled = other.Forecasting.ForecastByLstm(TinyModels.ForecastOptions() with { Epochs = 50 }, p => CancelExecution(other));
        Assert.ThrowsAny<OperationCanceledException>(() => cancelled.Fit(TinyModels.SeriesData(other, 60)));
    }

    [Fact]
    public void OurScoringCursorsStopWhenTheirContextIsCancelled()
    {
        var trainContext = new MLContext(seed: 1);
        IDataView trainSeries = TinyModels.SeriesData(trainContext, 60);
        ITransformer forecaster = trainContext.Forecasting.ForecastByLstm(TinyModels.ForecastOptions()).Fit(trainSeries);
        ITransformer window = trainContext.Transforms.SlidingWindow("Window", "Value", windowSize: 3).Fit(trainSeries);
        foreach (var (model, column) in new[] { (forecaster, "Forecast"), (window, "Window") })
        {
            byte[] file = TinyModels.Bytes(trainContext, model, trainSeries.Schema);
            var ml = new MLContext(seed: 1);
            ITransformer loaded = ml.Model.Load(new MemoryStream(file), out _);
            IDataView scored = loaded.Transform(TinyModels.SeriesData(ml, 60));
            using DataViewRowCursor cursor = scored.GetRowCursor(scored.Schema);
            Assert.True(cursor.MoveNext());
            CancelExecution(ml);
            Assert.ThrowsAny<OperationCanceledException>(() => cursor.MoveNext());
        }
    }

    /// <summary>ML.NET's <c>MLContext.CancelExecution</c>, which is internal to ML.NET (AutoML uses it) and reached here by reflection.</summary>
    private static void CancelExecution(MLContext ml) =>
        (typeof(MLContext).GetMethod("CancelExecution", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("ML.NET's MLContext.CancelExecution is gone; update this test.")).Invoke(ml, null);

    private static bool IsCancellation(Exception e) => e switch
    {
        OperationCanceledException => true,
        AggregateException a => a.InnerExceptions.All(IsCancellation),
        _ => e.InnerException is not null && IsCancellation(e.InnerException),
    };
}
