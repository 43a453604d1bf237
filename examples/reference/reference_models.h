#pragma once
// The reference models of ../shared/reference/seed-models.md, written with the C++ API almost line
// for line as in the Keras guides. Used by the example program (which also writes them as
// model-config JSON under examples/models/) and by tests/engine/test_reference_models.cpp.
#include <functional>
#include <string>
#include <vector>

#include "engine/strata.h"

namespace strata::reference {

struct ReferenceModel {
    std::string id;           ///< file stem under examples/models/
    std::string title;
    int64_t expectedParams;   ///< Keras's figure
    std::function<ModelPtr()> build;
};

/// All reference models, in the order of seed-models.md.
std::vector<ReferenceModel> referenceModels();

ModelPtr sequentialLazy();              // 1: 906
ModelPtr twoBranchConcatenate();        // 2: 218,058
ModelPtr blockModelReused();            // 3: 21,834
ModelPtr ticketClassifier();            // 4: 1,286,789
ModelPtr ticketClassifierWithDifficulty();  // 4b: third output on dense_features
ModelPtr encoder();                     // 5: 18,672
ModelPtr autoencoder();                 // 5: 28,241
ModelPtr autoencoderFromTwoModels();    // 5: encoder + decoder as nested models, 28,241
ModelPtr toyResNet();                   // 6: 223,242
ModelPtr sharedDenseThreeTimes();       // 7: 615,440
ModelPtr sharedEmbedding();             // 7: 128,000
ModelPtr multiModalTextImage();         // 8: 40,449
ModelPtr fashionMnistMlp();             // 9: 407,050
ModelPtr fashionMnistCnn();             // issue 3's small CNN

}  // namespace strata::reference
