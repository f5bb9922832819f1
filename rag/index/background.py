"""Background questions: general questions on everyday topics, the same fifty in Arabic and English.

They are no archive's topic, which is the point: how similar such a question is
to an archive's passages is the level an unrelated passage reaches, per
language pair (`rag.index.calibration`), and they are the "ordinary question"
side against which intents are recognised (`rag.query.intents`). Parallel, so
that the two languages are measured on the same topics and only the language
differs. Written for this project.
"""

BACKGROUND_QUESTIONS: tuple[tuple[str, str], ...] = (
    ("What is the capital of Brazil?", "ما هي عاصمة البرازيل؟"),
    ("How do I bake bread at home?", "كيف أخبز الخبز في المنزل؟"),
    ("What will the weather be like tomorrow?", "كيف سيكون الطقس غدا؟"),
    ("Who won the tennis final last year?", "من فاز بنهائي التنس العام الماضي؟"),
    ("How many calories are in an apple?", "كم سعرة حرارية في التفاحة؟"),
    ("When was the first telephone invented?", "متى اخترع أول هاتف؟"),
    ("Why do cats purr?", "لماذا تخرخر القطط؟"),
    ("What is the price of gold today?", "ما هو سعر الذهب اليوم؟"),
    ("How long does it take to learn to drive?", "كم يستغرق تعلم قيادة السيارة؟"),
    ("Which river is the longest in Europe?", "ما هو أطول نهر في أوروبا؟"),
    ("How can I improve my sleep?", "كيف يمكنني تحسين نومي؟"),
    ("What causes earthquakes?", "ما الذي يسبب الزلازل؟"),
    ("Who painted the ceiling of the chapel?", "من رسم سقف الكنيسة؟"),
    ("How much does a new laptop cost?", "كم يكلف حاسوب محمول جديد؟"),
    ("What is the best way to save money?", "ما هي أفضل طريقة لادخار المال؟"),
    ("Where can I buy fresh fish?", "أين يمكنني شراء سمك طازج؟"),
    ("How does a vaccine work?", "كيف يعمل اللقاح؟"),
    ("What time does the museum open?", "متى يفتح المتحف؟"),
    ("Why is the sky blue?", "لماذا السماء زرقاء؟"),
    ("How many players are in a volleyball team?", "كم عدد اللاعبين في فريق الكرة الطائرة؟"),
    ("What are the symptoms of the flu?", "ما هي أعراض الإنفلونزا؟"),
    ("Who is the fastest runner in the world?", "من هو أسرع عداء في العالم؟"),
    ("How do airplanes stay in the air?", "كيف تبقى الطائرات في الجو؟"),
    ("What is the population of the city?", "كم عدد سكان المدينة؟"),
    ("When does the school year start?", "متى تبدأ السنة الدراسية؟"),
    ("How do I reset my password?", "كيف أعيد تعيين كلمة المرور؟"),
    ("What should I plant in my garden in spring?", "ماذا أزرع في حديقتي في الربيع؟"),
    ("How hot is the surface of the sun?", "ما درجة حرارة سطح الشمس؟"),
    ("Which language has the most speakers?", "ما هي اللغة الأكثر تحدثا؟"),
    ("How do bees make honey?", "كيف يصنع النحل العسل؟"),
    ("What is a good recipe for lentil soup?", "ما هي وصفة جيدة لشوربة العدس؟"),
    ("Why do leaves change colour in autumn?", "لماذا تتغير ألوان الأوراق في الخريف؟"),
    ("How many hours should a child sleep?", "كم ساعة يجب أن ينام الطفل؟"),
    ("Who built the old bridge over the river?", "من بنى الجسر القديم فوق النهر؟"),
    ("What is the exchange rate of the dollar?", "ما هو سعر صرف الدولار؟"),
    ("How do I clean a leather jacket?", "كيف أنظف سترة جلدية؟"),
    ("Where do penguins live?", "أين تعيش طيور البطريق؟"),
    ("When is the next full moon?", "متى يكون البدر القادم؟"),
    ("What is the tallest building in the world?", "ما هو أطول مبنى في العالم؟"),
    ("How can I learn a new language quickly?", "كيف يمكنني تعلم لغة جديدة بسرعة؟"),
    ("Why do we dream at night?", "لماذا نحلم في الليل؟"),
    ("How much water should I drink every day?", "كم من الماء يجب أن أشرب كل يوم؟"),
    ("What games are popular with teenagers?", "ما هي الألعاب الشائعة بين المراهقين؟"),
    ("Who invented the printing press?", "من اخترع آلة الطباعة؟"),
    ("How do I fix a flat bicycle tyre?", "كيف أصلح إطار دراجة مثقوبا؟"),
    ("What is the speed of light?", "ما هي سرعة الضوء؟"),
    ("Which fruits are rich in vitamin C?", "ما هي الفواكه الغنية بفيتامين سي؟"),
    ("How often should I water a cactus?", "كم مرة يجب أن أسقي الصبار؟"),
    ("When did the train station open?", "متى افتتحت محطة القطار؟"),
    ("What music was popular in the sixties?", "ما الموسيقى التي كانت شائعة في الستينيات؟"),
)
