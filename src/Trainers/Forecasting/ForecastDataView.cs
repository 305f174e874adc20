using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Transforms.DataViews;

namespace MLNet.Extensions.Trainers.Forecasting;

/// <summary>
/// The output of <see cref="LstmForecastingTransformer.Transform"/>: the input's columns plus forecast columns computed
/// by one sequential cursor that remembers the recent values (so it cannot shuffle or split across threads).
/// </summary>
internal sealed class ForecastDataView : SeriesDataView
{
    private readonly LstmForecastingTransformer _parent;

    public ForecastDataView(LstmForecastingTransformer parent, IDataView input, DataViewSchema schema)
        : base(parent.Host, input, schema, [parent.InputColumnName, .. parent.CovariateColumnNames], keepsEveryRow: true)
    {
        _parent = parent;
    }

    protected override DataViewRowCursor CreateCursor(DataViewRowCursor input, HashSet<int> active) => new Cursor(this, input, active);

    private sealed class Cursor : SeriesCursor
    {
        private readonly LstmForecastingTransformer _parent;
        private readonly ValueGetter<float> _value;
        private readonly ValueGetter<float>[] _covariates;
        private readonly LstmForecastModel _model;
        private readonly ForecastSession _session;
        private readonly float[] _recent;
        private readonly float[] _recentCovariates;
        private readonly float[] _forecast, _lower, _upper;
        private int _seen;
        private long _computedAt = -1;

        public Cursor(ForecastDataView view, DataViewRowCursor input, HashSet<int> active)
            : base(view, input, active)
        {
            _parent = view._parent;
            _value = input.GetGetter<float>(input.Schema[_parent.InputColumnName]);
            _model = _parent.Model;
            _covariates = _parent.CovariateColumnNames.Select(name => input.GetGetter<float>(input.Schema[name])).ToArray();
            // The covariates of the last WindowSize rows, oldest first.
            _recentCovariates = new float[_model.WindowSize * _covariates.Length];
            _session = _model.CreateSession();
            _recent = new float[_model.HistoryLength];
            _forecast = new float[_model.Horizon];
            _lower = new float[_model.Horizon];
            _upper = new float[_model.Horizon];
        }

        public override long Position => InputCursor.Position;

        public override bool MoveNext()
        {
            if (!InputCursor.MoveNext())
                return false;
            ThrowIfCancelled();
            float value = 0;
            _value(ref value);
            if (!float.IsFinite(value) && !_model.NonFiniteInputsGiveNaN)
                throw new InvalidOperationException(
                    $"Series column '{_parent.InputColumnName}' has a non-finite value ({value}) at row {InputCursor.Position}; the forecaster needs " +
                    "finite values (replace missing values first, or train with ScoreNonFiniteAsNaN = true to get NaN forecasts).");
            if (_seen < _recent.Length)
            {
                _recent[_seen] = value;
            }
            else
            {
                Array.Copy(_recent, 1, _recent, 0, _recent.Length - 1);
                _recent[^1] = value;
            }
            ReadCovariates();
            _seen = Math.Min(_seen + 1, _recent.Length);
            return true;
        }

        /// <summary>Shifts the row's covariates into the last slot of the recent covariates, checking them as the target is checked.</summary>
        private void ReadCovariates()
        {
            int c = _covariates.Length;
            if (c == 0)
                return;
            Array.Copy(_recentCovariates, c, _recentCovariates, 0, _recentCovariates.Length - c);
            for (int k = 0; k < c; k++)
            {
                float value = 0;
                _covariates[k](ref value);
                if (!float.IsFinite(value) && !_model.NonFiniteInputsGiveNaN)
                    throw new InvalidOperationException(
                        $"Covariate column '{_parent.CovariateColumnNames[k]}' has a non-finite value ({value}) at row {InputCursor.Position}; the forecaster " +
                        "needs finite covariates (replace missing values first, or train with ScoreNonFiniteAsNaN = true to get NaN forecasts).");
                _recentCovariates[_recentCovariates.Length - c + k] = value;
            }
        }

        protected override Delegate AppendedGetter(int index)
        {
            string name = _parent.OutputColumns[index];
            float[] source = name == _parent.OutputColumnName ? _forecast
                : name == _parent.LowerBoundColumnName ? _lower : _upper;
            return VectorGetter(source, Compute);
        }

        /// <summary>Forecasts once per row, on the first getter call (NaN until enough history has been seen).</summary>
        private void Compute()
        {
            if (_computedAt == Position)
                return;
            _computedAt = Position;
            if (_seen < _recent.Length)
            {
                Array.Fill(_forecast, float.NaN);
                Array.Fill(_lower, float.NaN);
                Array.Fill(_upper, float.NaN);
                return;
            }
            _model.Forecast(_session, _recent, _recentCovariates, _forecast, _lower, _upper);
        }
    }
}
