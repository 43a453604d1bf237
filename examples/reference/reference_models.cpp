#include "examples/reference/reference_models.h"

namespace strata::reference {

namespace L = strata::layers;
using J = Json;

ModelPtr sequentialLazy() {
    auto model = makeSequential({L::Dense(64, {{"activation", "relu"}}), L::Dense(10, {{"activation", "softmax"}})});
    model->buildWithShape({kNone, 3});  // model.build(input_shape=(None, 3))
    return model;
}

ModelPtr twoBranchConcatenate() {
    auto inputs = Input({784});
    auto x1 = L::Dense(128, {{"activation", "relu"}})(inputs);
    auto x2 = L::Dense(128, {{"activation", "tanh"}})(inputs);
    KerasTensor x = L::Concatenate()({x1, x2});
    x = L::Dense(64, {{"activation", "relu"}})(x);
    x = L::Dense(10, {{"activation", nullptr}})(x);
    auto y = L::Softmax()(x);
    return makeModel(inputs, y);
}

static ModelPtr getMultiBlock(int64_t inputDim) {
    auto inputs = Input({inputDim});
    auto x1 = L::Dense(32, {{"activation", "relu"}})(inputs);
    auto x2 = L::Dense(32, {{"activation", "tanh"}})(inputs);
    return makeModel(inputs, L::Concatenate()({x1, x2}));
}

ModelPtr blockModelReused() {
    auto inputs = Input({200});
    auto x = (*getMultiBlock(200))(inputs);
    x = (*getMultiBlock(64))(x);
    x = (*getMultiBlock(64))(x);
    auto y = L::Softmax()(L::Dense(10)(x));
    return makeModel(inputs, y);
}

ModelPtr ticketClassifier() {
    auto title = Input({10000}, "title");
    auto textBody = Input({10000}, "text_body");
    auto tags = Input({100}, "tags");
    KerasTensor features = L::Concatenate()({title, textBody, tags});
    features = L::Dense(64, {{"activation", "relu"}, {"name", "dense_features"}})(features);
    auto priority = L::Dense(1, {{"activation", "sigmoid"}, {"name", "priority"}})(features);
    auto department = L::Dense(4, {{"activation", "softmax"}, {"name", "department"}})(features);
    return makeModel({title, textBody, tags}, {priority, department});
}

ModelPtr ticketClassifierWithDifficulty() {
    auto model = ticketClassifier();
    auto features = model->layers()[4]->output();  // dense_features
    auto difficulty = L::Dense(3, {{"activation", "softmax"}, {"name", "difficulty"}})(features);
    return makeModel(model->inputs(), {model->outputs()[0], model->outputs()[1], difficulty});
}

static std::pair<KerasTensor, KerasTensor> encoderGraph() {
    auto encoderInput = Input({28, 28, 1}, "img");
    auto x = L::Conv2D(16, {3, 3}, {{"activation", "relu"}})(encoderInput);
    x = L::Conv2D(32, {3, 3}, {{"activation", "relu"}})(x);
    x = L::MaxPooling2D(3)(x);
    x = L::Conv2D(32, {3, 3}, {{"activation", "relu"}})(x);
    x = L::Conv2D(16, {3, 3}, {{"activation", "relu"}})(x);
    auto encoderOutput = L::GlobalMaxPooling2D()(x);
    return {encoderInput, encoderOutput};
}

static KerasTensor decoderGraph(KerasTensor x) {
    x = L::Reshape({4, 4, 1})(x);
    x = L::Conv2DTranspose(16, {3, 3}, {{"activation", "relu"}})(x);
    x = L::Conv2DTranspose(32, {3, 3}, {{"activation", "relu"}})(x);
    x = L::UpSampling2D(3)(x);
    x = L::Conv2DTranspose(16, {3, 3}, {{"activation", "relu"}})(x);
    return L::Conv2DTranspose(1, {3, 3}, {{"activation", "relu"}})(x);
}

ModelPtr encoder() {
    auto [in, out] = encoderGraph();
    return makeModel(in, out, "encoder");
}

ModelPtr autoencoder() {
    auto [in, encoded] = encoderGraph();
    auto encoderModel = makeModel(in, encoded, "encoder");  // the encoder shares the graph
    (void)encoderModel;
    return makeModel(in, decoderGraph(encoded), "autoencoder");
}

ModelPtr autoencoderFromTwoModels() {
    auto [encIn, encOut] = encoderGraph();
    auto encoderModel = makeModel(encIn, encOut, "encoder");
    auto decoderInput = Input({16}, "encoded_img");
    auto decoderModel = makeModel(decoderInput, decoderGraph(decoderInput), "decoder");
    auto autoencoderInput = Input({28, 28, 1}, "img");
    auto encoded = (*encoderModel)(autoencoderInput);
    auto decoded = (*decoderModel)(encoded);
    return makeModel(autoencoderInput, decoded, "autoencoder");
}

ModelPtr toyResNet() {
    auto inputs = Input({32, 32, 3}, "img");
    auto x = L::Conv2D(32, {3, 3}, {{"activation", "relu"}})(inputs);
    x = L::Conv2D(64, {3, 3}, {{"activation", "relu"}})(x);
    auto block1Output = L::MaxPooling2D(3)(x);
    x = L::Conv2D(64, {3, 3}, {{"activation", "relu"}, {"padding", "same"}})(block1Output);
    x = L::Conv2D(64, {3, 3}, {{"activation", "relu"}, {"padding", "same"}})(x);
    auto block2Output = L::add({x, block1Output});
    x = L::Conv2D(64, {3, 3}, {{"activation", "relu"}, {"padding", "same"}})(block2Output);
    x = L::Conv2D(64, {3, 3}, {{"activation", "relu"}, {"padding", "same"}})(x);
    auto block3Output = L::add({x, block2Output});
    x = L::Conv2D(64, {3, 3}, {{"activation", "relu"}})(block3Output);
    x = L::GlobalAveragePooling2D()(x);
    x = L::Dense(256, {{"activation", "relu"}})(x);
    x = L::Dropout(0.5)(x);
    auto outputs = L::Dense(10)(x);
    return makeModel(inputs, outputs, "toy_resnet");
}

ModelPtr sharedDenseThreeTimes() {
    auto layer = L::Dense(784, {{"activation", "relu"}});
    auto xIn = Input({784});
    auto x = layer(layer(layer(xIn)));
    return makeModel(xIn, x);
}

ModelPtr sharedEmbedding() {
    auto sharedEmbedding = L::Embedding(1000, 128);
    auto textA = Input({kNone}, "text_a", "int32");
    auto textB = Input({kNone}, "text_b", "int32");
    auto a = sharedEmbedding(textA);
    auto b = sharedEmbedding(textB);
    return makeModel({textA, textB}, {a, b});
}

ModelPtr multiModalTextImage() {
    auto input1d = Input({kNone, 64}, "text");
    auto x1d = L::Flatten()(L::LSTM(32)(input1d));
    auto input2d = Input({28, 28, 1}, "image");
    auto x2d = L::Conv2D(32, {3, 3}, {{"activation", "relu"}})(input2d);
    x2d = L::Flatten()(L::Conv2D(32, {3, 3}, {{"activation", "relu"}})(x2d));
    auto y = L::Dense(1, {{"activation", "sigmoid"}})(L::Concatenate()({x1d, x2d}));
    return std::make_shared<Model>(NamedTensors{{"text", input1d}, {"image", input2d}}, std::vector<KerasTensor>{y});
}

ModelPtr fashionMnistMlp() {
    auto inputs = Input({28 * 28});
    auto features = L::Dense(512, {{"activation", "relu"}})(inputs);
    features = L::Dropout(0.5)(features);
    auto outputs = L::Dense(10, {{"activation", "softmax"}})(features);
    return makeModel(inputs, outputs, "fashion_mnist_mlp");
}

ModelPtr fashionMnistCnn() {
    auto inputs = Input({28, 28, 1});
    auto x = L::Conv2D(32, {3, 3}, {{"activation", "relu"}})(inputs);
    x = L::MaxPooling2D(2)(x);
    x = L::Conv2D(64, {3, 3}, {{"activation", "relu"}})(x);
    x = L::MaxPooling2D(2)(x);
    x = L::Flatten()(x);
    x = L::Dense(128, {{"activation", "relu"}})(x);
    auto outputs = L::Dense(10, {{"activation", "softmax"}})(x);
    return makeModel(inputs, outputs, "fashion_mnist_cnn");
}

std::vector<ReferenceModel> referenceModels() {
    return {
        {"01_sequential_lazy", "Sequential, built lazily", 906, sequentialLazy},
        {"02_two_branch_concatenate", "Two branches and a Concatenate", 218058, twoBranchConcatenate},
        {"03_block_model_reused", "A block model reused as a layer", 21834, blockModelReused},
        {"04_ticket_classifier", "Multi-input, multi-output ticket classifier", 1286789, ticketClassifier},
        {"04b_ticket_classifier_difficulty", "Ticket classifier with a third output", 1286789 + 195,
         ticketClassifierWithDifficulty},
        {"05_encoder", "Encoder", 18672, encoder},
        {"05_autoencoder", "Autoencoder sharing the encoder's graph", 28241, autoencoder},
        {"05b_autoencoder_two_models", "Autoencoder from encoder and decoder models", 28241, autoencoderFromTwoModels},
        {"06_toy_resnet", "Toy ResNet", 223242, toyResNet},
        {"07_shared_dense", "One Dense layer called three times", 615440, sharedDenseThreeTimes},
        {"07b_shared_embedding", "A shared Embedding on two inputs", 128000, sharedEmbedding},
        {"08_text_image", "Variable-length text and an image in one model", 40449, multiModalTextImage},
        {"09_fashion_mnist_mlp", "Fashion-MNIST MLP", 407050, fashionMnistMlp},
        {"10_fashion_mnist_cnn", "Fashion-MNIST small CNN", 225034, fashionMnistCnn},
    };
}

}  // namespace strata::reference
