using Microsoft.ML.GenerativeRec.Interop;
using Microsoft.ML.GenerativeRec.Modeling;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.GenerativeRec;

public sealed partial class SequentialRecommendationCatalog
{
    /// <summary>
    /// Operations on fitted models, as <c>mlContext.Model</c> holds ML.NET's: exchange of HSTU and SASRec weights with the
    /// reference PyTorch implementation, meta-recsys/generative-recommenders (docs/scale.md).
    /// </summary>
    public sealed class SequentialRecommendationModelOperations
    {
        private readonly IHostEnvironment _env;

        internal SequentialRecommendationModelOperations(IHostEnvironment env)
        {
            _env = env;
        }

        /// <summary>Writes a fitted HSTU or SASRec model as a state dict of the reference implementation, with a JSON of its hyper-parameters.</summary>
        /// <param name="model">An HSTU or SASRec transformer, alone or as the last stage of a chain.</param>
        /// <param name="path">The state dict to write (a <c>.pt</c> file PyTorch's <c>torch.load</c> reads); the JSON goes beside it,
        /// with the extension <c>.json</c>. Both files are replaced.</param>
        /// <remarks>
        /// <para>
        /// The keys and shapes are those of <c>model.state_dict()</c> of the reference's <c>HSTU</c> or <c>SASRec</c> module, so
        /// <c>model.load_state_dict(torch.load(path), strict=True)</c> accepts the file once the module is built with the JSON's
        /// arguments. The item table has one row per raw item id, as the reference's <c>nn.Embedding(max_item_id + 1, D)</c>: row 0
        /// is padding and rows of ids the model does not know are zeros. The JSON also lists the model's item ids and its
        /// popularity fallback, so an import gives back the same recommendations.
        /// </para>
        /// <para>
        /// An HSTU trained without timestamps (a positional-only bias, which the reference lacks) is written with <c>ts_w</c> = 0:
        /// the reference must then be fed constant timestamps, for example zeros.
        /// </para>
        /// </remarks>
        /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="path"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="model"/> is not an HSTU or SASRec model, or <paramref name="path"/> ends in <c>.json</c>.</exception>
        /// <exception cref="NotSupportedException">An item id is not an integer (text that is not a decimal integer, or a key
        /// whose value is not one): the reference indexes its item table by id. Nothing is written.</exception>
        /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
        public void ExportToReference(ITransformer model, string path)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentException.ThrowIfNullOrEmpty(path);
            if (string.Equals(Path.GetExtension(path), ReferenceModelExporter.ConfigExtension, StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException(
                    $"The state dict path '{path}' ends in {ReferenceModelExporter.ConfigExtension}, the extension of the hyper-parameter file written beside it; use .pt.", nameof(path));
            }

            if (LastStage(model) is not SequentialRecommenderTransformer neural)
            {
                throw new ArgumentException(
                    $"Only {nameof(HstuTransformer)} and {nameof(SasRecTransformer)} models can be exported to the reference, alone or at the end of a chain; got {LastStage(model).GetType().Name}.",
                    nameof(model));
            }

            neural.Recommender.ExportToReference(path);
        }

        /// <summary>Reads an HSTU state dict of the reference implementation (written by PyTorch or by <see cref="ExportToReference"/>) into a fitted model.</summary>
        /// <param name="path">The state dict: <c>torch.save(model.state_dict(), path)</c>, or a training checkpoint of the reference's
        /// <c>train.py</c> (its <c>model_state_dict</c>, with or without <c>DistributedDataParallel</c>'s <c>module.</c> prefix).</param>
        /// <param name="options">Where the hyper-parameter JSON is, the popularity data, columns, K and device; null for the defaults.</param>
        /// <returns>A model that serves, evaluates, saves and loads like one trained here. Its <see cref="TrainingHistory"/> has no epochs.</returns>
        /// <remarks>
        /// Every key and shape is checked against the JSON's hyper-parameters; a missing key, an unexpected key or a wrong shape
        /// fails with all of them named. The item table is gathered by raw id: the model knows the JSON's <c>item_ids</c> (the
        /// reference's <c>all_item_ids</c>), or every row 1..V − 1 of the table when it lists none.
        /// </remarks>
        /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the exception names it.</exception>
        /// <exception cref="FileNotFoundException">The state dict or its JSON does not exist.</exception>
        /// <exception cref="InvalidDataException">The file is not a reference HSTU state dict matching the JSON; the message names each wrong key or field.</exception>
        /// <exception cref="NotSupportedException">The JSON names a variant this library does not implement, or a GPU asked for is not usable.</exception>
        public HstuTransformer ImportHstuFromReference(string path, ReferenceImportOptions? options = null)
            => new(_env, Import(EncoderKind.Hstu, path, options));

        /// <summary>Reads a SASRec state dict of the reference implementation (written by PyTorch or by <see cref="ExportToReference"/>) into a fitted model.</summary>
        /// <param name="path">The state dict: <c>torch.save(model.state_dict(), path)</c>, or a training checkpoint of the reference's
        /// <c>train.py</c> (its <c>model_state_dict</c>, with or without <c>DistributedDataParallel</c>'s <c>module.</c> prefix).</param>
        /// <param name="options">Where the hyper-parameter JSON is, the popularity data, columns, K and device; null for the defaults.</param>
        /// <returns>A model that serves, evaluates, saves and loads like one trained here. Its <see cref="TrainingHistory"/> has no epochs.</returns>
        /// <remarks>As <see cref="ImportHstuFromReference"/>; the 1×1 convolution weights [out, in, 1] become [out, in].</remarks>
        /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the exception names it.</exception>
        /// <exception cref="FileNotFoundException">The state dict or its JSON does not exist.</exception>
        /// <exception cref="InvalidDataException">The file is not a reference SASRec state dict matching the JSON; the message names each wrong key or field.</exception>
        /// <exception cref="NotSupportedException">The JSON names a variant this library does not implement, or a GPU asked for is not usable.</exception>
        public SasRecTransformer ImportSasRecFromReference(string path, ReferenceImportOptions? options = null)
            => new(_env, Import(EncoderKind.SasRec, path, options));

        private Transformers.NeuralRecommender Import(EncoderKind kind, string path, ReferenceImportOptions? options)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            options ??= new ReferenceImportOptions();
            options.Validate();
            return ReferenceModelImporter.Import(_env, kind, path, options);
        }

        private static ITransformer LastStage(ITransformer model)
        {
            while (model is IEnumerable<ITransformer> chain && chain.LastOrDefault() is { } last)
            {
                model = last;
            }

            return model;
        }
    }
}
